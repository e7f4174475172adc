"""What an app directory asks of its build: its sources (every .c, .S, .cpp
and .cc file under it, subdirectories included) and its optional build file
capsule.py (README.md, "Real programs"), a few Python assignments:

    STD        = 'gnu89'            # C dialect (-std=); default gnu11
    CXXSTD     = 'gnu++17'          # C++ dialect; default gnu++17
    CFLAGS     = ['-w']             # after Capsule's flags, for C and C++ (so they win)
    CXXFLAGS   = []                 # C++ only
    CPPDEFINES = ['NDEBUG', ('VERSION', '"1.2"')]
    CPPPATH    = ['include']        # include directories, relative to the app
    SOURCES    = ['../shared/*.c']  # more sources (globs, relative to the app)
    EXCLUDE    = ['tools/*.c']      # sources under the app not to build (globs)

Reading it runs the file with nothing but those names to set; any other
name, or a value of the wrong type, stops the build with one line."""
import fnmatch
import glob
import os

from SCons.Script import Exit

BUILD_FILE = 'capsule.py'
C_SUFFIXES = ('.c', '.S')
CXX_SUFFIXES = ('.cpp', '.cc')
SUFFIXES = C_SUFFIXES + CXX_SUFFIXES
STRING_KEYS = ('STD', 'CXXSTD')
LIST_KEYS = ('CFLAGS', 'CXXFLAGS', 'CPPDEFINES', 'CPPPATH', 'SOURCES', 'EXCLUDE')
DEFAULTS = {'STD': 'gnu11', 'CXXSTD': 'gnu++17'}


def _fail(srcdir, why):
    print('scons: %s: %s' % (os.path.join(srcdir, BUILD_FILE), why))
    Exit(2)


def settings(srcdir):
    """The app's build file read into a dict (every key present: the
    defaults, empty lists); none: the defaults."""
    found = dict(DEFAULTS, **{k: [] for k in LIST_KEYS})
    path = os.path.join(srcdir, BUILD_FILE)
    if not os.path.isfile(path):
        return found
    names = {}
    try:
        with open(path) as f:
            exec(compile(f.read(), path, 'exec'), {'__builtins__': {}}, names)
    except Exception as e:      # the file is the app's: say what is wrong in one line
        _fail(srcdir, '%s: %s' % (type(e).__name__, e))
    for key, value in names.items():
        if key in STRING_KEYS and isinstance(value, str):
            found[key] = value
        elif key in LIST_KEYS and isinstance(value, (list, tuple)):
            found[key] = list(value)
        elif key in STRING_KEYS + LIST_KEYS:
            _fail(srcdir, '%s must be a %s' % (key, 'string' if key in STRING_KEYS else 'list'))
        else:
            _fail(srcdir, 'unknown setting %s (known: %s)' % (key, ', '.join(STRING_KEYS + LIST_KEYS)))
    return found


def not_an_app(srcdir):
    """Why srcdir is not an app directory (None when it is): it has no
    sources, or has them only in subdirectories and no build file (a
    directory of apps, such as examples/, is not one app)."""
    top = [n for n in os.listdir(srcdir) if n.endswith(SUFFIXES) and os.path.isfile(os.path.join(srcdir, n))]
    if not top and not os.path.isfile(os.path.join(srcdir, BUILD_FILE)):
        if sources(srcdir):
            return ('no .c, .S, .cpp or .cc files in %s itself (sources only in subdirectories need a %s '
                    'in the app directory; a directory of apps is not one app)' % (srcdir, BUILD_FILE))
        return 'no .c, .S, .cpp or .cc files in %s' % srcdir
    if not sources(srcdir):
        return 'no .c, .S, .cpp or .cc files in %s or its %s' % (srcdir, BUILD_FILE)
    return None


def sources(srcdir, conf=None):
    """The app's source files (absolute paths), in path order (the link
    order): those under srcdir, hidden directories skipped, less EXCLUDE,
    then SOURCES."""
    conf = conf or settings(srcdir)
    found = []
    for top, dirs, files in os.walk(srcdir):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in files:
            rel = os.path.relpath(os.path.join(top, name), srcdir)
            if name.endswith(SUFFIXES) and not any(fnmatch.fnmatch(rel, p) for p in conf['EXCLUDE']):
                found.append(os.path.join(srcdir, rel))
    found.sort()
    for pattern in conf['SOURCES']:
        matched = sorted(glob.glob(os.path.join(srcdir, pattern)))
        if not matched:
            _fail(srcdir, 'SOURCES: nothing matches %s' % pattern)
        found += [os.path.realpath(m) for m in matched if os.path.realpath(m) not in found]
    return found


def defines(conf):
    """CPPDEFINES for SCons: a (name, value) pair's value reaches the
    compiler exactly as written (quoted for the shell SCons runs), so
    ('GREETING', '"two words"') defines a string literal.  SCons puts an
    argument with a space in double quotes and expands $: escape what the
    shell reads inside or outside them (backslash, double quote, backquote,
    dollar) and SCons' $."""
    def escaped(value):
        for ch in '\\"`':
            value = value.replace(ch, '\\' + ch)
        return value.replace('$', '\\$$')
    return [(d[0], escaped(str(d[1]))) if isinstance(d, (list, tuple)) else d for d in conf['CPPDEFINES']]


def include_flags(srcdir, conf):
    """The app's own directory and its CPPPATH, searched after newlib's
    headers for <...> (-idirafter) and before them for "..." (-iquote): a
    stdlib.h of the app's never hides newlib's."""
    flags = []
    for d in [srcdir] + [os.path.join(srcdir, p) for p in conf['CPPPATH']]:
        flags += ['-iquote', os.path.normpath(d), '-idirafter', os.path.normpath(d)]
    return flags
