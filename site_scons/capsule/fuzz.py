"""What the libFuzzer targets need from the host: clang on PATH (a PATH lookup,
done while SCons reads the scripts) and clang's fuzzer runtime (asked of clang
only when a fuzzer is linked).  Without the runtime a fuzzer is not linked,
and `scons test` counts it as failed with the reason and the package to
install, as it does when clang is missing."""
import functools
import os
import platform
import shutil
import subprocess

from SCons.Script import Action

CLANG = 'clang'


def clang_problem():
    """None when clang is on PATH, else what to do about it."""
    return None if shutil.which(CLANG) else 'clang not found: tools/bootstrap.sh installs it'


@functools.lru_cache(maxsize=None)
def runtime_problem():
    """None when clang can link libFuzzer targets here, else what is missing."""
    runtime = 'libclang_rt.fuzzer-%s.a' % platform.machine()

    def ask(*args):
        return subprocess.run([CLANG] + list(args), capture_output=True, text=True,
                              timeout=60).stdout.strip()
    try:
        path = ask('-print-file-name=' + runtime)
        if os.path.isabs(path) and os.path.exists(path):
            return None
        version = ask('-dumpversion').split('.')[0]
    except (OSError, subprocess.SubprocessError) as e:
        return 'cannot run %s: %s' % (CLANG, e)
    return ("clang's libFuzzer runtime (%s) is missing: on Debian, apt-get install "
            "libclang-rt-%s-dev" % (runtime, version))


_link = Action('$LINKCOM', '$LINKCOMSTR')


def link(target, source, env):
    """The fuzzers' link action: $LINKCOM once the runtime is known to be
    there; otherwise say why and leave the program unbuilt (see problem())."""
    why = runtime_problem()
    if why:
        print('  FUZZLD %s: not linked: %s' % (target[0], why))
        return 0
    return _link(target, source, env)


def problem(programs):
    """Why some of programs (paths) are missing after the build, or None."""
    if all(os.path.exists(p) for p in programs):
        return None
    return clang_problem() or runtime_problem() or 'not built'
