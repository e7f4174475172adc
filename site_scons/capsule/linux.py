"""The reference Linux (docs/linux.md): a lean kernel built from Debian's
linux-source-6.1 with tools/linux/capsule.config, and apps built as static
riscv64 glibc programs booted as the kernel's /init's child in an initramfs,
on the same QEMU machine as Capsule.  Used by os=linux and os=both (run,
test, bench).

The kernel lives in build/linux/<key>/Image, where <key> hashes the
tarball, the fragment and the compiler: built once and reused until one of
them changes (like newlib.py).  An app's Linux build goes to
build/linux/<mode>/<app dir>/<name>; the initramfs of a run is written
beside it when it boots."""
import glob
import hashlib
import os
import shutil
import subprocess
import threading
import time

from SCons.Script import Action, Exit, Value

from capsule import qemu

TARBALL_GLOB = '/usr/src/linux-source-6.1.tar.*'
CROSS = 'riscv64-linux-gnu-'
FRAGMENT = 'tools/linux/capsule.config'
INIT_SOURCE = 'tools/linux/init.c'
SUPPORT_SOURCE = 'tools/linux/capsule_linux.c'
# Stand-ins for the few libOS headers the benchmark programs include (rdinstret, uint64).
SHIM_DIR = 'tools/linux/shim'
# What os=linux needs beyond tools/bootstrap.sh's default set (tools/bootstrap.sh linux).
PACKAGES = ('linux-source-6.1', 'gcc-riscv64-linux-gnu', 'libc6-dev-riscv64-cross', 'bc', 'flex', 'bison')
PROGRESS_SECONDS = 15
GLIBC_STATIC = '/usr/riscv64-linux-gnu/lib/libc.a'
APP_CFLAGS = ['-O2', '-g', '-Wall', '-static']
# The kernel's command line: the console on the virt machine's UART, no boot
# messages unless something goes wrong, a panic ends QEMU (-no-reboot), and
# after "--" the init wrapper's own arguments (tools/linux/init.c).
KERNEL_LINE = 'console=ttyS0 quiet loglevel=2 panic=-1'
PANIC_STATUS = 125


def missing_packages():
    """The Debian packages os=linux needs whose files are not there (found
    by their files: reading the build scripts runs no program)."""
    have = {'linux-source-6.1': bool(_tarball()), 'gcc-riscv64-linux-gnu': bool(shutil.which(CROSS + 'gcc')),
            'libc6-dev-riscv64-cross': os.path.exists(GLIBC_STATIC),
            'bc': bool(shutil.which('bc')), 'flex': bool(shutil.which('flex')), 'bison': bool(shutil.which('bison'))}
    return [pkg for pkg in PACKAGES if not have[pkg]]


def _tarball():
    found = sorted(glob.glob(TARBALL_GLOB))
    return found[-1] if found else None


def _file_identity(path):
    real = os.path.realpath(path)
    st = os.stat(real)
    return '%s %d %d' % (real, st.st_size, int(st.st_mtime))


def _key(root, tarball):
    """The text that decides the kernel build and its short hash."""
    with open(os.path.join(root, FRAGMENT)) as f:
        fragment = f.read()
    gcc = shutil.which(CROSS + 'gcc')
    text = '|'.join([_file_identity(tarball), _file_identity(gcc) if gcc else 'none', fragment])
    return text, hashlib.sha256(text.encode()).hexdigest()[:12]


def _progress(objdir, done):
    """Print how many kernel objects exist every few seconds until done is set."""
    start = time.time()
    while not done.wait(PROGRESS_SECONDS):
        count = sum(1 for _, _, files in os.walk(objdir) for f in files if f.endswith('.o'))
        print('  linux: %4d objects compiled (%3.0f s; about 700 in all)' % (count, time.time() - start),
              flush=True)


def _run(cmd, cwd, log):
    with open(log, 'a') as out:
        out.write('$ %s\n' % ' '.join(cmd))
        out.flush()
        if subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT) != 0:
            print('linux: command failed: %s (see %s)' % (' '.join(cmd), log))
            return False
    return True


def fragment_mismatches(fragment_text, config_text):
    """The fragment's settings (CONFIG_X=v and '# CONFIG_X is not set' lines)
    that the resulting .config does not carry: Kconfig drops a setting whose
    dependencies are off without a word."""
    have = set(l.strip() for l in config_text.splitlines())
    wanted = [l.strip() for l in fragment_text.splitlines()
              if l.startswith('CONFIG_') or (l.startswith('# CONFIG_') and l.rstrip().endswith('is not set'))]
    off = lambda l: l.startswith('# ')     # noqa: E731
    missing = []
    for line in wanted:
        name = line.split()[1] if off(line) else line.split('=')[0]
        if off(line):
            if any(h.startswith(name + '=') for h in have):
                missing.append(line)
        elif line not in have:
            missing.append(line)
    return missing


def _make(src, obj, log, *targets):
    jobs = str(os.cpu_count() or 2)
    return _run(['nice', 'make', '-j' + jobs, '-C', src, 'O=' + obj, 'ARCH=riscv',
                 'CROSS_COMPILE=' + CROSS] + list(targets), src, log)


def _kernel_action(target, source, env):
    """Unpack, configure, check and build; the source tree is removed at the
    end whatever happened (the objects and log stay after a failure)."""
    src = os.path.join(os.path.dirname(target[0].abspath), 'src')
    try:
        return _build_kernel(target, source)
    finally:
        subprocess.call(['rm', '-rf', src])


def _build_kernel(target, source):
    tarball, fragment = source[0].abspath, source[1].abspath
    top = os.path.dirname(target[0].abspath)
    src, obj, log = (os.path.join(top, d) for d in ('src', 'obj', 'build.log'))
    subprocess.call(['rm', '-rf', src, obj, log])
    os.makedirs(src)
    os.makedirs(obj)
    print('  linux: unpacking %s (1.5 GB unpacked; removed once the kernel is built)' % tarball, flush=True)
    if not _run(['nice', 'tar', '-xf', tarball, '-C', src, '--strip-components=1'], top, log):
        return 1
    if not _run(['nice', 'make', '-C', src, 'O=' + obj, 'ARCH=riscv', 'CROSS_COMPILE=' + CROSS,
                 'KCONFIG_ALLCONFIG=' + fragment, 'allnoconfig'], src, log):
        return 1
    with open(fragment) as f, open(os.path.join(obj, '.config')) as c:
        missing = fragment_mismatches(f.read(), c.read())
    if missing:
        print('linux: %s asks for settings the configuration does not take:\n  %s'
              % (fragment, '\n  '.join(missing)))
        return 1
    print('  linux: building the kernel with make -j%d under nice (about 6 minutes on 2 busy cores)'
          % (os.cpu_count() or 2), flush=True)
    done = threading.Event()
    ticker = threading.Thread(target=_progress, args=(obj, done), daemon=True)
    ticker.start()
    try:
        ok = _make(src, obj, log, 'Image')
    finally:
        done.set()
    if not ok:
        return 1
    shutil.copyfile(os.path.join(obj, 'arch', 'riscv', 'boot', 'Image'), target[0].abspath)
    shutil.copyfile(os.path.join(obj, '.config'), target[1].abspath)
    subprocess.call(['rm', '-rf', src, obj])
    print('  linux: kernel in %s' % target[0].abspath, flush=True)
    return 0


def kernel(env):
    """Declare the kernel build; returns its Image node (with its .config beside it)."""
    missing = missing_packages()
    if missing:
        print('scons: os=%s needs Debian packages that are not installed (%s); install them with\n'
              '  tools/bootstrap.sh linux' % (env['os'], ', '.join(missing)))
        Exit(2)
    tarball = _tarball()
    text, key = _key(env['ROOT'], tarball)
    top = os.path.join(env['BUILD'], 'linux', key)
    nodes = env.Command([os.path.join(top, 'Image'), os.path.join(top, 'config')],
                        [tarball, os.path.join(env['ROOT'], FRAGMENT), Value(text)],
                        Action(_kernel_action, '  LINUX  %s (a lean 6.1 kernel, once: about 10 minutes with unpacking)' % key))
    env.Precious(nodes)
    env.Clean(nodes, env.Dir(top))
    return nodes[0]


def cross_env(env):
    """An environment for static riscv64 glibc programs: Debian's
    riscv64-linux-gnu-gcc; <capsule/measure.h> found after glibc's headers
    (libc_glue's other headers stand in for newlib's and must not shadow glibc's)."""
    lx = env.Clone(CC=CROSS + 'gcc', LINK=CROSS + 'gcc', CPPPATH=[], CPPDEFINES=[],
                   CCFLAGS=APP_CFLAGS + ['-idirafter', os.path.join(env['ROOT'], 'libc_glue', 'include')],
                   LINKFLAGS=['-static'], LIBS=[])
    if not env['verbose']:
        lx['CCCOMSTR'] = '  LXCC   $TARGET'
        lx['LINKCOMSTR'] = '  LXLD   $TARGET'
    return lx


_programs = {}


def program(env, srcdir, name=None, include=()):
    """The app in srcdir (an absolute directory) built for riscv64 Linux into
    build/linux/<mode>/<its place>/<name>: its sources and build file as
    for Capsule (appbuild.py: dialect, flags, defines, include directories;
    C only, Debian's riscv64 g++ is not among the packages), with
    capsule_icount() from tools/linux/capsule_linux.c and the include
    directories given (the benchmarks': SHIM_DIR).  Returns the program's node."""
    from capsule import appbuild, image
    if srcdir in _programs:
        return _programs[srcdir]
    conf = appbuild.settings(srcdir)
    srcs = appbuild.sources(srcdir, conf)
    if any(s.endswith(appbuild.CXX_SUFFIXES) for s in srcs):
        print('scons: os=%s: %s has C++ sources; the reference Linux builds C apps only' % (env['os'], srcdir))
        Exit(2)
    lx = cross_env(env)
    lx.Append(CCFLAGS=['-I' + d for d in include] + appbuild.include_flags(srcdir, conf) + conf['CFLAGS'],
              CFLAGS=['-std=' + conf['STD']], CPPDEFINES=appbuild.defines(conf))
    out = image.out_dir(os.path.join(env['BUILD'], 'linux'), env['mode'], env['ROOT'], srcdir)
    objs = []
    for src in srcs:
        rel = os.path.relpath(src, srcdir)
        rel = os.path.join('ext', os.path.basename(src)) if rel.startswith(os.pardir) else rel
        objs += lx.Object(os.path.join(out, 'obj', os.path.splitext(rel)[0] + '.o'), src)
    objs += lx.Object(os.path.join(out, 'obj', 'capsule_linux.o'), os.path.join(env['ROOT'], SUPPORT_SOURCE))
    _programs[srcdir] = lx.Program(os.path.join(out, name or os.path.basename(srcdir)), objs)[0]
    return _programs[srcdir]


def init_program(env):
    """The init wrapper (tools/linux/init.c), one for every app."""
    lx = cross_env(env)
    return lx.Program(os.path.join(env['BUILD'], 'linux', 'init'),
                      lx.Object(os.path.join(env['BUILD'], 'linux', 'init.o'),
                                os.path.join(env['ROOT'], INIT_SOURCE)))[0]


_kernel = {}


def setup(env):
    """The kernel and init nodes when os= asks for Linux (declared once), else None."""
    if env['os'] == 'capsule' or env.GetOption('help'):
        return None
    if not _kernel:
        _kernel.update(kernel=kernel(env), init=init_program(env))
    return _kernel


def run_alias(env, image):
    """runner.aliases' run_action and run_sources for os=linux and os=both
    ({} for os=capsule)."""
    lx = setup(env)
    if not lx:
        return {}
    from capsule import linuxboot
    app = program(env, image['srcdir'], image['name'])
    which = ('linux',) if env['os'] == 'linux' else ('capsule', 'linux')
    return {'run_action': linuxboot.run_action(image, lx['kernel'], lx['init'], app, which),
            'run_sources': [lx['kernel'], lx['init'], app]}
