"""Builds newlib from Debian's newlib-source tarball for Capsule's target.

The result lives in build/newlib/<key>/install, where <key> hashes the tarball,
the compiler (its file, not its output: nothing runs while SCons reads the
scripts) and the flags: it is built once and reused until one of those
changes.  newlib's own syscalls are off; libc_glue supplies them.  scons -c
removes build/newlib/ with libc.a."""
import glob
import hashlib
import os
import shutil
import subprocess
import threading
import time

from SCons.Script import Action, Exit, Value

TARGET = 'riscv64-unknown-elf'
TARBALL_GLOB = '/usr/src/newlib/newlib-*.tar.*'
# Optimised for speed: with -Os newlib's string routines fall back to byte loops.
CFLAGS = ('-O2 -g -march=rv64gc -mabi=lp64d -mcmodel=medany -fno-omit-frame-pointer '
          '-ffunction-sections -fdata-sections')
CONFIGURE = ['--target=' + TARGET, '--disable-multilib', '--disable-newlib-supplied-syscalls',
             '--enable-newlib-io-long-long', '--enable-newlib-io-c99-formats', '--disable-nls']
PROGRESS_SECONDS = 5


def _tarball():
    found = sorted(glob.glob(TARBALL_GLOB))
    return found[-1] if found else None


def _compiler_identity():
    """The cross compiler's file, size and time: a new package version changes
    them, and reading them runs nothing."""
    path = shutil.which(TARGET + '-gcc')
    if not path:
        return 'none'
    real = os.path.realpath(path)
    st = os.stat(real)
    return '%s %d %d' % (real, st.st_size, int(st.st_mtime))


def _key(tarball):
    st = os.stat(tarball)
    text = '|'.join([os.path.basename(tarball), str(st.st_size), _compiler_identity(), CFLAGS]
                    + CONFIGURE)
    return text, hashlib.sha256(text.encode()).hexdigest()[:12]


def _progress(objdir, done):
    """Print how many objects exist every few seconds until done is set."""
    start = time.time()
    while not done.wait(PROGRESS_SECONDS):
        count = sum(1 for _, _, files in os.walk(objdir) for f in files if f.endswith('.o'))
        print('  newlib: %4d objects compiled (%3.0f s)' % (count, time.time() - start), flush=True)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _run(cmd, cwd, log):
    with open(log, 'a') as out:
        out.write('$ %s\n' % ' '.join(cmd))
        out.flush()
        if subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT) != 0:
            print('newlib: command failed: %s (see %s)' % (' '.join(cmd), log))
            return False
    return True


def _build_action(target, source, env):
    tarball = str(source[0])
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(target[0].abspath))))
    src, obj, prefix, log = (os.path.join(top, d) for d in ('src', 'obj', 'install', 'build.log'))
    stamp = os.path.join(prefix, 'capsule-stamp')
    text = source[1].read()
    if all(os.path.exists(t.abspath) for t in target) and _read(stamp) == text:
        print('  newlib: up to date in %s' % prefix)
        return 0
    subprocess.call(['rm', '-rf', src, obj, prefix, log])
    os.makedirs(src)
    os.makedirs(obj)
    print('  newlib: unpacking %s' % tarball, flush=True)
    if not _run(['tar', '-xf', tarball, '-C', src, '--strip-components=1'], top, log):
        return 1
    jobs = str(os.cpu_count() or 2)
    done = threading.Event()
    ticker = threading.Thread(target=_progress, args=(obj, done), daemon=True)
    ticker.start()
    try:
        ok = (_run([os.path.join(src, 'configure'), '--prefix=' + prefix] + CONFIGURE
                   + ['CFLAGS_FOR_TARGET=' + CFLAGS], obj, log)
              and _run(['make', '-j' + jobs, 'all-target-newlib'], obj, log)
              and _run(['make', 'install-target-newlib'], obj, log))
    finally:
        done.set()
    if ok:
        with open(stamp, 'w') as f:
            f.write(text)
        print('  newlib: installed in %s' % prefix, flush=True)
        subprocess.call(['rm', '-rf', src, obj])
    return 0 if ok else 1


def build(env):
    """Declare the newlib build; returns {'libc', 'libm', 'include', 'lib'} paths/nodes."""
    tarball = _tarball()
    if not tarball:
        if env.GetOption('help') or env.GetOption('clean'):
            return {'libc': None, 'libm': None, 'include': '/nonexistent', 'lib': '/nonexistent'}
        print('scons: no newlib tarball at %s: run tools/bootstrap.sh first' % TARBALL_GLOB)
        Exit(2)
    text, key = _key(tarball)
    top = os.path.join(env['BUILD'], 'newlib', key)
    lib = os.path.join(top, 'install', TARGET, 'lib')
    include = os.path.join(top, 'install', TARGET, 'include')
    libc, libm = env.Command([os.path.join(lib, 'libc.a'), os.path.join(lib, 'libm.a')],
                             [tarball, Value(text)],
                             Action(_build_action, '  NEWLIB %s (about a minute, once)' % key))
    env.Precious(libc, libm)
    # The action's other outputs: headers, the build log, an interrupted build's tree.
    env.Clean([libc, libm], env.Dir(os.path.join(env['BUILD'], 'newlib')))
    return {'libc': libc, 'libm': libm, 'include': include, 'lib': lib}
