"""Camunda 7's expression language (JUEL) translated into the Python our sandbox runs.

Camunda models write ``${approved}``, ``#{!approved}``, ``${a && b}``, ``${amount gt 1000}``,
``${empty comment}`` or ``${order.customer}``. Fallwerk's own models write Python inside ``${...}``.
:func:`translate_body` parses a body as JUEL first (its grammar is small and, for simple
expressions, the same as Python's); what JUEL cannot read but Python can stays Python; what neither
reads, and method calls on Java beans, are refused with the reason. The translation happens once,
at deploy, so the engine only ever sees Python and the designer can show what runs.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
      | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:().\[\],])
    )""",
    re.VERBOSE,
)
_WORD_OPS = {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">",
             "le": "<=", "ge": ">=", "div": "/", "mod": "%", "empty": "empty", "instanceof": "instanceof"}
_SYMBOL_OPS = {"&&": "and", "||": "or", "!": "not"}
_COLLECTION_METHODS = {"size": "len({})", "length": "len({})", "isEmpty": "(len({}) == 0)"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
# Python methods a Fallwerk expression may call on text, lists and dicts; anything else called on a
# variable is taken for a Java bean's method, which nothing here can run.
PYTHON_METHODS = frozenset({
    "get", "keys", "values", "items", "strip", "lstrip", "rstrip", "lower", "upper", "title",
    "capitalize", "startswith", "endswith", "split", "rsplit", "join", "replace", "count", "index",
    "find", "format", "isdigit", "isalpha", "isalnum", "zfill", "copy", "casefold",
})
# names Camunda puts into every expression's scope; they are Java objects
CAMUNDA_BEANS = frozenset({"execution", "task", "variables", "connector", "externalTask", "caseExecution",
                           "authenticatedUserId", "processEngine", "processEngineServices"})


class JuelError(ValueError):
    """The expression can be neither translated nor run as Python; the message says why."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # "number" | "string" | "name" | "op" | "end"
    text: str


def _tokens(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise JuelError(f"unerwartetes Zeichen '{source[pos:].strip()[0]}'")
        kind = match.lastgroup or "op"
        text = match.group(kind)
        if kind == "name" and text in _WORD_OPS:
            kind, text = "op", _WORD_OPS[text]
        elif kind == "op" and text in _SYMBOL_OPS:
            text = _SYMBOL_OPS[text]
        tokens.append(_Tok(kind, text))
        pos = match.end()
    tokens.append(_Tok("end", ""))
    return tokens


def _string_literal(text: str) -> str:
    body = text[1:-1]
    value = re.sub(r"\\(.)", r"\1", body)  # JUEL knows only \\, \' and \" as escapes
    return repr(value)


class _Parser:
    """Recursive descent over JUEL's grammar, producing Python source with explicit parentheses."""

    def __init__(self, source: str) -> None:
        self.toks = _tokens(source)
        self.pos = 0

    def peek(self, *texts: str) -> bool:
        tok = self.toks[self.pos]
        return tok.kind == "op" and tok.text in texts

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        if not self.peek(text):
            found = self.toks[self.pos].text or "the end"
            raise JuelError(f"'{text}' erwartet, aber '{found}' gefunden")
        self.pos += 1

    def parse(self) -> str:
        result = self.ternary()
        if self.toks[self.pos].kind != "end":
            raise JuelError(f"unerwartet: '{self.toks[self.pos].text}'")
        return result

    def ternary(self) -> str:
        condition = self.binary(0)
        if not self.peek("?"):
            return condition
        self.take()
        then = self.ternary()
        self.expect(":")
        otherwise = self.ternary()
        return f"({then} if {condition} else {otherwise})"

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("or",), ("and",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"),
    )

    def binary(self, level: int) -> str:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek(*self._LEVELS[level]):
            op = self.take().text
            right = self.binary(level + 1)
            left = f"({left} {op} {right})"
        if self.peek("instanceof"):
            raise JuelError("'instanceof' fragt nach Java-Klassen, die es hier nicht gibt")
        return left

    def unary(self) -> str:
        if self.peek("not"):
            self.take()
            return f"(not {self.unary()})"
        if self.peek("-"):
            self.take()
            return f"(-{self.unary()})"
        if self.peek("empty"):
            self.take()
            # JUEL: null, an empty string, an empty list or an empty map; 0 and false are not empty
            return f"({self.unary()} in (None, '', [], {{}}))"
        if self.peek("instanceof"):
            raise JuelError("'instanceof' fragt nach Java-Klassen, die es hier nicht gibt")
        return self.postfix()

    def postfix(self) -> str:
        base, is_name = self.primary()
        result = base
        while True:
            if self.peek("."):
                self.take()
                tok = self.take()
                if tok.kind != "name":
                    raise JuelError("nach '.' muss ein Eigenschaftsname folgen")
                if self.peek("("):
                    result = self.collection_method(result, f"{base}.{tok.text}", tok.text)
                    is_name = False
                    continue
                result = f"{result}[{tok.text!r}]"  # JSON objects are dicts: a property is a key
                is_name = False
            elif self.peek("["):
                self.take()
                index = self.ternary()
                self.expect("]")
                result = f"{result}[{index}]"
                is_name = False
            elif self.peek("(") and is_name:
                self.take()
                args = self.arguments()
                result = f"{result}({', '.join(args)})"  # a Fallwerk helper such as today()
                is_name = False
            else:
                return result

    def collection_method(self, target: str, shown: str, method: str) -> str:
        """Java's ``list.size()``, ``text.length()`` and ``list.isEmpty()`` have Python twins; other
        methods belong to Java beans."""
        self.take()
        if method not in _COLLECTION_METHODS or self.arguments():
            raise JuelError(f"'{shown}(...)' ruft eine Methode einer Java-Bean auf, die es hier nicht gibt")
        return _COLLECTION_METHODS[method].format(target)

    def arguments(self) -> list[str]:
        args: list[str] = []
        if self.peek(")"):
            self.take()
            return args
        while True:
            args.append(self.ternary())
            if self.peek(")"):
                self.take()
                return args
            self.expect(",")

    def primary(self) -> tuple[str, bool]:
        tok = self.take()
        if tok.kind == "number":
            return tok.text, False
        if tok.kind == "string":
            return _string_literal(tok.text), False
        if tok.kind == "name":
            if tok.text in _LITERALS:
                return _LITERALS[tok.text], False
            if keyword.iskeyword(tok.text) or "$" in tok.text:
                raise JuelError(f"der Variablenname '{tok.text}' ist nicht verwendbar "
                                "(ein Python-Schlüsselwort oder '$')")
            if tok.text in CAMUNDA_BEANS:
                raise JuelError(f"'{tok.text}' ist ein Java-Objekt der Camunda-Engine, das es hier nicht gibt")
            return tok.text, True
        if tok.kind == "op" and tok.text == "(":
            inner = self.ternary()
            self.expect(")")
            return inner, False
        raise JuelError(f"unerwartet: '{tok.text or 'Ende des Ausdrucks'}'")


def _strip_parens(source: str) -> str:
    """``(a and b)`` → ``a and b`` when the outer pair encloses the whole text."""
    while source.startswith("(") and source.endswith(")"):
        depth = 0
        for i, char in enumerate(source):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and i < len(source) - 1:
                return source
        source = source[1:-1]
    return source


def _bean_call(source: str) -> str | None:
    """The first ``name.method(...)`` of Python code that is no Python method: a Java bean's method."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in CAMUNDA_BEANS:
            return node.id
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.attr not in PYTHON_METHODS):
            return f"{node.func.value.id}.{node.func.attr}(...)"
    return None


def translate_body(body: str) -> str:
    """The Python for the inside of one ``${...}``/``#{...}``: JUEL translated, or Python kept.

    Raises:
        JuelError: neither JUEL nor Python, or it calls a Java bean.
    """
    text = body.strip()
    if not text:
        raise JuelError("der Ausdruck ist leer")
    try:
        return _strip_parens(_Parser(text).parse())
    except JuelError as juel:
        try:
            ast.parse(text, mode="eval")
        except SyntaxError:
            raise JuelError(str(juel)) from None
        bean = _bean_call(text)
        if bean is not None:
            raise JuelError(f"'{bean}' ruft eine Methode einer Java-Bean auf, "
                            "die Fallwerk nicht ausführen kann") from None
        return text  # Python, the dialect of Fallwerk's own models (comprehensions, 'in', methods of text)


def _split(value: str) -> list[tuple[bool, str]]:
    """A value as (is expression, text) parts: ``hr_${side}`` → [(False, 'hr_'), (True, 'side')]."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while pos < len(value):
        start = min((i for i in (value.find("${", pos), value.find("#{", pos)) if i >= 0), default=-1)
        if start < 0:
            parts.append((False, value[pos:]))
            break
        if start > pos:
            parts.append((False, value[pos:start]))
        depth, end, quote = 0, -1, ""
        for i in range(start + 1, len(value)):
            char = value[i]
            if quote:
                quote = "" if char == quote and value[i - 1] != "\\" else quote
            elif char in "'\"":
                quote = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end < 0:
            raise JuelError("'${' ohne schließende '}'")
        parts.append((True, value[start + 2:end]))
        pos = end + 1
    return parts


def has_expression(value: str | None) -> bool:
    return bool(value) and ("${" in value or "#{" in value)  # type: ignore[operator]


def translate_value(value: str) -> str:
    """An attribute value or condition with expressions, as Python source (without ``${}``).

    A whole ``${x}`` gives the translated body; text around expressions (``hr_${side}``, as Camunda
    reads it) gives a concatenation of strings.

    Raises:
        JuelError: a part cannot be translated.
    """
    parts = _split(value.strip())
    if len(parts) == 1 and parts[0][0]:
        return translate_body(parts[0][1])
    pieces = [f"str({translate_body(text)})" if is_expr else repr(text) for is_expr, text in parts]
    return " + ".join(pieces)
