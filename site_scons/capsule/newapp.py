"""`scons new=NAME`: a new app, apps/NAME/main.c and a README.md line, that
builds and runs as it is (`scons app=NAME run`)."""
import os
import re

NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')

MAIN_C = '''/* %(name)s: a Capsule app (README.md).  Build and run it with
 *   scons app=%(name)s run args='some words'
 * Every .c, .S, .cpp and .cc file under this directory is part of it; an
 * optional capsule.py sets flags, defines, include directories, more sources
 * and the C dialect (README.md, "Real programs"). */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("%(name)s: %%d argument(s)\\n", argc - 1);
    for (int i = 1; i < argc; i++)
        printf("  argv[%%d] = %%s\\n", i, argv[i]);
    return 0;
}
'''

README = '''# %(name)s

`%(name)s` (write what it does here); run it with `scons app=%(name)s run`.
'''


def create(apps_dir, name):
    """Make apps_dir/name with main.c and README.md; returns (0, what was
    made) or (2, why not): a name that is not a plain directory name, or a
    directory that exists already (never overwritten)."""
    if not NAME_RE.match(name):
        return 2, 'scons: new=%s: a name of letters, digits, _, - and . (a directory under apps/)' % name
    target = os.path.join(apps_dir, name)
    if os.path.lexists(target):
        return 2, 'scons: new=%s: %s exists; nothing was written' % (name, target)
    os.makedirs(target)
    for fname, text in (('main.c', MAIN_C), ('README.md', README)):
        with open(os.path.join(target, fname), 'w') as f:
            f.write(text % {'name': name})
    return 0, 'created %s/main.c and %s/README.md; run it: scons app=%s run' % (target, target, name)
