"""The names of the five seed documents and docs/seeds.md's table of them.

names(text) extracts a document's names: every identifier of its code (code
blocks and inline code spans, comments left out) that a call, a declaration,
a macro, a struct, enum or *_t type, a struct field or a whole code span
makes, without C keywords and file names.  The list for the five documents
is kept in docs/seed-names.txt (tools/seed-names writes and checks it
against the documents); check() is the test that docs/seeds.md names each.
Used by tools/seed-names and scons test."""
import re

KEYWORDS = set('''auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned
void volatile while NULL'''.split())
IDENT = r'[A-Za-z_][A-Za-z0-9_]*'


def _code_parts(text):
    """The code blocks' bodies and the inline code spans outside them."""
    blocks = re.findall(r'```[^\n]*\n(.*?)```', text, re.S)
    rest = re.sub(r'```[^\n]*\n.*?```', '', text, flags=re.S)
    return blocks + re.findall(r'`([^`\n]+)`', rest)


def _strip_comments(code):
    """code without its comments and the file names it mentions (vm.c, kernel/proc.c)."""
    code = re.sub(r'//[^\n]*', '', re.sub(r'/\*.*?\*/', '', code, flags=re.S))
    return re.sub(r'[\w/.-]+\.[ch]\b', ' ', code)


def _struct_fields(code):
    """The members declared in the struct bodies of code."""
    fields = set()
    for body in re.findall(r'\bstruct\s+' + IDENT + r'\s*\{(.*?)\}', code, re.S):
        for decl in body.split(';'):
            decl = re.sub(r'\(.*?\)', '', decl)         # LIST_ENTRY(Page) link
            fields.update(re.findall(r'\**\s*(' + IDENT + r')\s*(?:,|$)', decl.strip()))
    return fields


def names(text):
    """The sorted names of one document."""
    out = set()
    for part in _code_parts(text):
        code = _strip_comments(part)
        single = re.fullmatch(r'\s*(' + IDENT + r')\s*(\(\))?\s*', code)
        if single:
            out.add(single.group(1))
            continue
        out.update(re.findall(r'(' + IDENT + r')\s*\(', code))
        out.update(w for w in re.findall(IDENT, code) if re.fullmatch(r'[A-Z][A-Z0-9_]+', w))
        out.update(re.findall(r'\b(?:struct|enum)\s+(' + IDENT + r')', code))
        out.update(re.findall(r'\b(' + IDENT + r'_t)\b', code))
        out.update(re.findall(r'(?:->|\.)\s*([a-z_]\w*)', code))
        out.update(_struct_fields(code))
    return sorted(n for n in out if n not in KEYWORDS)


def read_list(path):
    """{document: [names]} from a names file (lines '# document' then names)."""
    lists, doc = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line.startswith('# '):
                doc = line[2:]
                lists[doc] = []
            elif line and doc:
                lists[doc] += line.split()
    return lists


def check(seeds_md, names_file):
    """Reasons docs/seeds.md fails: a listed name that no table row of it
    names in code (`name`, in the row's first column)."""
    with open(seeds_md, encoding='utf-8') as f:
        rows = [line for line in f if line.startswith('|')]
    named = set()
    for row in rows:
        first = row.split('|')[1]
        named.update(re.findall(r'`(' + IDENT + r')', first))
    why = []
    for doc, ns in read_list(names_file).items():
        missing = [n for n in ns if n not in named]
        if missing:
            why.append('%s: not in docs/seeds.md: %s' % (doc, ' '.join(missing)))
    return why
