"""The demo world of DOMAIN.md §2. Password `demo` for everyone: for trying Fallwerk out only."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from casework.cases.directory import DirectoryService
from casework.governance.committees import CommitteeService, seed_demo_committees
from casework.unit_of_work import unit_of_work
from models import User

DEMO_PASSWORD = "demo"

GROUPS = {
    "employee": "Beschäftigte",
    "gf": "Geschäftsführung",
    "hr_ba": "Personal (Agentur für Arbeit)",
    "hr_kommune": "Personal (Kommune)",
    "traeger_ba": "Träger Agentur für Arbeit",
    "traeger_kommune": "Kommunaler Träger",
    "tv_member": "Mitglied der Trägerversammlung",
    "tv_office": "Geschäftsstelle der Trägerversammlung",
    "ka_member": "Mitglied des Kooperationsausschusses",
    "ka_office": "Geschäftsstelle des Kooperationsausschusses",
    "option_team": "Projektteam Option",
    "council_office": "Kreistagsbüro",
    "gemeinde": "Kreisangehörige Gemeinde",
    "land_authority": "Oberste Landesbehörde",
    "bmas": "Bundesministerium für Arbeit und Soziales",
    "beirat_proposer": "Vorschlagsberechtigte für den Beirat",
    "designer": "Prozessdesign",
    "admin": "Administration",
    "service_account": "Dienstkonten externer Worker",
}

# escalations of overdue tasks go to the supervisor group
SUPERVISORS = {"employee": "gf", "hr_ba": "gf", "hr_kommune": "gf", "tv_member": "tv_office",
               "ka_member": "ka_office"}

ORGANISATIONS = [
    # slug, name, kind, land
    ("jc-musterkreis", "Jobcenter Musterkreis", "ge", "NW"),
    ("aa-musterstadt", "Agentur für Arbeit Musterstadt", "agentur", "NW"),
    ("kreis-musterkreis", "Kreis Musterkreis", "kreis", "NW"),
    ("land-nw", "Land Nordrhein-Westfalen", "land", "NW"),
    ("bmas", "Bundesministerium für Arbeit und Soziales", "bmas", "BE"),
    ("gemeinde-musterdorf", "Gemeinde Musterdorf", "gemeinde", "NW"),
    ("stadt-beispielstadt", "Stadt Beispielstadt", "gemeinde", "NW"),
    ("ihk-musterstadt", "IHK Musterstadt", "other", "NW"),
    ("dgb-musterregion", "DGB Region Musterkreis", "other", "NW"),
    ("caritas-musterkreis", "Caritasverband Musterkreis", "other", "NW"),
    ("hwk-musterstadt", "Handwerkskammer Musterstadt", "other", "NW"),
]

# the Träger take part in the gE's cases, and the gE in theirs
LINKS = [
    ("jc-musterkreis", "aa-musterstadt"),
    ("jc-musterkreis", "kreis-musterkreis"),
    ("aa-musterstadt", "jc-musterkreis"),
    ("kreis-musterkreis", "jc-musterkreis"),
]

# username, display name, primary organisation, [(group, organisation)]
_JC, _AA, _KR, _LAND = "jc-musterkreis", "aa-musterstadt", "kreis-musterkreis", "land-nw"
USERS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("mitarbeiterin", "Maria Mitarbeiterin", _JC, [("employee", _JC)]),
    ("gf", "Georg Geschäftsführer", _JC, [("gf", _JC)]),
    # the deputy GF: no role of her own in the processes; acts for `gf` while she is recorded absent
    ("gf.vertretung", "Gabriele Stellvertreterin (stv. GF)", _JC, []),
    ("personal.ba", "Petra Personal (BA)", _AA, [("hr_ba", _AA)]),
    ("personal.kommune", "Paul Personal (Kommune)", _KR, [("hr_kommune", _KR)]),
    ("traeger.ba", "Tanja Träger (BA)", _AA, [("traeger_ba", _AA)]),
    ("traeger.kommune", "Thomas Träger (Kommune)", _KR, [("traeger_kommune", _KR)]),
    *[(f"tv.ba{i}", f"TV-Mitglied BA {i}", _AA, [("tv_member", _JC)]) for i in (1, 2, 3)],
    *[(f"tv.kom{i}", f"TV-Mitglied Kommune {i}", _KR, [("tv_member", _JC)]) for i in (1, 2, 3)],
    ("tv.buero", "Geschäftsstelle Trägerversammlung", _JC, [("tv_office", _JC)]),
    *[(f"ka.land{i}", f"KA-Mitglied Land {i}", _LAND, [("ka_member", _LAND)]) for i in (1, 2, 3)],
    *[(f"ka.bmas{i}", f"KA-Mitglied BMAS {i}", "bmas", [("ka_member", _LAND)]) for i in (1, 2, 3)],
    ("ka.buero", "Geschäftsstelle Kooperationsausschuss", _LAND, [("ka_office", _LAND)]),
    ("option.team", "Projektteam Option", _KR, [("option_team", _KR)]),
    ("kreistag.buero", "Kreistagsbüro", _KR, [("council_office", _KR)]),
    ("gemeinde.musterdorf", "Gemeinde Musterdorf", "gemeinde-musterdorf",
     [("gemeinde", "gemeinde-musterdorf")]),
    ("gemeinde.beispielstadt", "Stadt Beispielstadt", "stadt-beispielstadt",
     [("gemeinde", "stadt-beispielstadt")]),
    ("land.ministerium", "Ministerium (Land NRW)", _LAND, [("land_authority", _LAND)]),
    ("bmas.referat", "Referat BMAS", "bmas", [("bmas", "bmas")]),
    ("ihk", "IHK Musterstadt", "ihk-musterstadt", [("beirat_proposer", "ihk-musterstadt")]),
    ("dgb", "DGB Region Musterkreis", "dgb-musterregion", [("beirat_proposer", "dgb-musterregion")]),
    ("caritas", "Caritasverband Musterkreis", "caritas-musterkreis",
     [("beirat_proposer", "caritas-musterkreis")]),
    ("handwerk", "Handwerkskammer Musterstadt", "hwk-musterstadt",
     [("beirat_proposer", "hwk-musterstadt")]),
    ("designer", "Dana Designerin", _JC, [("designer", _JC)]),
    ("admin", "Administration", _JC, [("admin", _JC)]),
    # a worker for external tasks signs in as this account (setting EXTERNAL_TASK_WORKERS)
    ("dienst.worker", "Externer Worker (Dienstkonto)", _JC, [("service_account", _JC)]),
]


def create_groups(directory: DirectoryService) -> None:
    """The roles of DOMAIN.md §2 exist in every installation, demo or not."""
    for name, label in GROUPS.items():
        directory.ensure_group(name, label)
    for name, supervisor in SUPERVISORS.items():
        directory.ensure_group(name, GROUPS[name], supervisor)


def create_demo_world(directory: DirectoryService) -> dict[str, int]:
    """Create (or refresh) the demo organisations and users; returns organisation ids by slug."""
    create_groups(directory)
    orgs = {slug: directory.ensure_organisation(slug, name, kind, land)
            for slug, name, kind, land in ORGANISATIONS}
    for a, b in LINKS:
        directory.link(orgs[a], orgs[b])
    for username, display, primary, roles in USERS:
        directory.ensure_user_roles(
            username,
            display_name=display,
            password=DEMO_PASSWORD,
            organisation_id=orgs[primary],
            roles=[(group, orgs[org]) for group, org in roles],
            email=f"{username}@musterkreis.example",
        )
    seed_demo_committees(CommitteeService(directory.clock), orgs)
    return orgs


def demo_logins_left() -> list[str]:
    """The demo users that exist, are active and still take the published password (for `make serve`)."""
    names = [username for username, _display, _primary, _roles in USERS]
    with unit_of_work(write=False) as session:
        rows = session.execute(
            sa.select(User.username, User.password_hash).where(User.username.in_(names), User.active)
        ).all()
    return sorted(name for name, hashed in rows if hashed and check_password_hash(hashed, DEMO_PASSWORD))
