"""Links one application with the libOS libraries and newlib into a bootable
image: <app>.elf (boots with -kernel), <app>.bin (flat, Linux-style Image
header), <app>.map and <app>-fw.bin (Debian's OpenSBI fw_jump with the payload
at 2 MiB, boots with -bios)."""
import hashlib
import os
import subprocess

from SCons.Script import Action, Exit, GetLaunchDir

from capsule import appbuild
from capsule.toolchain import ARCH_FLAGS, CROSS

FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
FW_PAYLOAD_OFFSET = 2 * 1024 * 1024     # fw_jump's FW_JUMP_ADDR is RAM base + 2 MiB
EXT_HASH_CHARS = 8                      # of the sha1 of an out-of-tree app's absolute path


_built = {}     # (source directory, malloc variant) -> the nodes app() declared
_cxx_runtime = {}   # mode -> the C++ runtime's object (CXX_RUNTIME), shared by the C++ apps
CXX_RUNTIME = 'libc_glue/cxx/runtime.cpp'
CXX_INCLUDE = 'libc_glue/cxx/include'     # <new>, <cstddef>, <cstdint>, <cstdio>, <cstdlib>, <cstring>
# C++ without the exception and RTTI runtimes, or guards for local statics
# (one hart; a process is a copy, not a thread): what the Debian toolchain's
# riscv64-unknown-elf-g++ can link without a libstdc++ (README.md, "C++").
CXX_FLAGS = ['-fno-exceptions', '-fno-rtti', '-fno-threadsafe-statics']


def resolve(env, spec):
    """Find an app's source directory: apps/NAME, or a directory path (relative
    to where scons was started or to the repository root, or absolute)."""
    root = env['ROOT']
    candidates = []
    if '/' not in spec and not spec.startswith('.'):
        candidates.append(os.path.join(root, 'apps', spec))
    candidates += [os.path.join(GetLaunchDir(), spec), os.path.join(root, spec)]
    for cand in candidates:
        cand = os.path.realpath(cand)
        if os.path.isdir(cand):
            why = appbuild.not_an_app(cand)
            if why:
                print('scons: app %s: %s' % (spec, why))
                Exit(2)
            return cand
    print('scons: app %s: no such app (looked in apps/%s and %s)' % (spec, spec, spec))
    Exit(2)


def out_dir(build, mode, root, srcdir, malloc='libmm', failalloc=0, priv='supervisor'):
    """Where an app's outputs go, one directory per app and malloc variant:
    build/<mode>/<its path inside the repository>, or for an app outside it
    build/<mode>/ext/<name>-<short hash of its absolute path> (so /a/app and
    /b/app stay apart); '-malloc-newlib' appended for malloc=newlib, and
    '-failalloc<N>' for a fault-injection build, '-user' for priv=user."""
    rel = os.path.relpath(srcdir, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        digest = hashlib.sha1(srcdir.encode()).hexdigest()[:EXT_HASH_CHARS]
        rel = os.path.join('ext', '%s-%s' % (os.path.basename(srcdir), digest))
    if malloc != 'libmm':
        rel += '-malloc-' + malloc
    if failalloc:
        rel += '-failalloc%d' % failalloc
    if priv == 'user':
        rel += '-user'
    return os.path.join(build, mode, rel)


def _fw_action(target, source, env):
    with open(FW_JUMP, 'rb') as f:
        fw = f.read()
    if len(fw) > FW_PAYLOAD_OFFSET:
        print('fw: %s is larger than %d bytes' % (FW_JUMP, FW_PAYLOAD_OFFSET))
        return 1
    with open(str(source[0]), 'rb') as f:
        payload = f.read()
    with open(str(target[0]), 'wb') as f:
        f.write(fw + bytes(FW_PAYLOAD_OFFSET - len(fw)) + payload)
    return 0


def app(cross, spec, libs, malloc=None):
    """Build the app whose sources are found by resolve(spec), with the
    build's malloc option or the one given ('libmm' or 'newlib'), into
    out_dir().  Returns a dict with the 'elf', 'bin', 'map' and 'fw' nodes and
    the app's 'name', 'dir' (its outputs) and 'srcdir' (its sources)."""
    srcdir = resolve(cross, spec)
    malloc = malloc or cross['malloc']
    failalloc = libs.get('failalloc', 0)
    priv = libs.get('priv', 'supervisor')
    key = (srcdir, malloc, failalloc, priv)
    if key in _built:
        return _built[key]
    name = os.path.basename(srcdir)
    out = out_dir(cross['BUILD'], cross['mode'], cross['ROOT'], srcdir, malloc, failalloc, priv)
    conf = appbuild.settings(srcdir)
    env = app_env(cross, srcdir, conf)
    objs = []
    srcs = appbuild.sources(srcdir, conf)
    for src in srcs:
        rel = os.path.relpath(src, srcdir)
        rel = os.path.join('ext', os.path.basename(src)) if rel.startswith(os.pardir) else rel
        objs += env.Object(os.path.join(out, 'obj', os.path.splitext(rel)[0] + '.o'), src)
    if any(src.endswith(appbuild.CXX_SUFFIXES) for src in srcs):
        objs += cxx_runtime(cross)
    name_c = env.Textfile(os.path.join(out, 'obj', 'capsule_app_name.c'),
                          ['/* generated: argv[0] */', 'const char capsule_app_name[] = "%s";' % name])
    objs += env.Object(os.path.join(out, 'obj', 'capsule_app_name.o'), name_c)
    env.Depends(objs, env['NEWLIB']['libc'])
    _built[key] = dict(link(env, name, out, objs, libs, malloc), srcdir=srcdir)
    return _built[key]


def _with_cxx(env):
    """env able to compile .cpp and .cc files with the cross g++ (their
    objects also listed in `scons cdb`'s compile_commands.json)."""
    from SCons.Builder import ListEmitter
    from SCons.Tool import Tool, compilation_db, createObjBuilders
    from capsule.toolchain import CROSS
    env['CXX'] = CROSS + 'g++'
    Tool('c++')(env)
    # The c++ tool has just set the (shared) object builder's C++ emitters
    # anew, without the compilation database's entry: add it.
    static_obj = createObjBuilders(env)[0]
    for suffix in appbuild.CXX_SUFFIXES:
        static_obj.emitter[suffix] = ListEmitter(
            [static_obj.emitter[suffix], compilation_db.make_emit_compilation_DB_entry('$CXXCOM')])
    env.Append(CXXFLAGS=['-isystem', os.path.join(env['ROOT'], CXX_INCLUDE)])
    if not env['verbose']:
        env['CXXCOMSTR'] = '  CXX    $TARGET'
    return env


def app_env(cross, srcdir, conf):
    """The environment for an app's objects: newlib's headers, then the app's
    own directories (appbuild.include_flags); the build file's dialects,
    flags (after Capsule's, so they win) and defines."""
    from capsule.toolchain import hosted_env
    env = _with_cxx(hosted_env(cross))
    env.Replace(CCFLAGS=[f for f in env['CCFLAGS'] if not f.startswith('-std=')])
    env.Append(CCFLAGS=appbuild.include_flags(srcdir, conf) + conf['CFLAGS'],
               CFLAGS=['-std=' + conf['STD']],
               CXXFLAGS=['-std=' + conf['CXXSTD']] + CXX_FLAGS + conf['CXXFLAGS'],
               CPPDEFINES=appbuild.defines(conf))
    return env


def cxx_runtime(cross):
    """The C++ runtime object (operator new/delete on the app's malloc,
    __dso_handle, __cxa_pure_virtual), built once per mode."""
    from capsule.toolchain import hosted_env
    mode = cross['mode']
    if mode not in _cxx_runtime:
        env = _with_cxx(hosted_env(cross))
        env.Replace(CCFLAGS=[f for f in env['CCFLAGS'] if not f.startswith('-std=')])
        env.Append(CXXFLAGS=['-std=gnu++17'] + CXX_FLAGS)
        _cxx_runtime[mode] = env.Object(os.path.join(cross['BUILD'], mode, 'libc_glue', 'cxx', 'runtime.o'),
                                        os.path.join(cross['ROOT'], CXX_RUNTIME))
    return _cxx_runtime[mode]


def link(env, name, out, objs, libs, malloc=None):
    """Link objs with the libOS libraries into out/name.{elf,map,bin} and
    name-fw.bin; malloc ('libmm' or 'newlib') overrides the build option."""
    newlib = env['NEWLIB']
    elf = os.path.join(out, name + '.elf')
    mapf = os.path.join(out, name + '.map')
    objs = objs + libs['malloc'][malloc or env['malloc']]
    if libs.get('priv') == 'user':
        lib_nodes = [libs['libos'], libs['wrap']]
    else:
        lib_nodes = [libs['libarch'], libs['libmm'], libs['libc_glue'], libs['wrap']]
    cmd = ('$LINK -nostdlib -nostartfiles -static -T ${SOURCES[0]} -Wl,--gc-sections '
           '-Wl,-Map=${TARGETS[1]} -Wl,--no-warn-rwx-segments -o ${TARGETS[0]} '
           + ' '.join('${SOURCES[%d]}' % (i + 1) for i in range(len(objs)))
           + ' -Wl,--start-group ' + ' '.join(str(_node(l)) for l in lib_nodes)
           + ' %s %s -lgcc -Wl,--end-group' % (newlib['libc'], newlib['libm']))
    if libs.get('priv') == 'user':
        cmd += (" || { echo 'priv=user: %s calls the libOS directly (an undefined reference above: "
                "kalloc, mappages, ...); such a program is libOS-side code: build it with "
                "priv=supervisor' >&2; false; }" % name)
    linked = env.Command([elf, mapf], libs['ldscript'] + objs,
                         Action(cmd, cmdstr='$LINKCOMSTR'))
    env.Depends(linked, lib_nodes + [newlib['libc'], newlib['libm']])
    binf = env.Command(os.path.join(out, name + '.bin'), linked[0],
                       Action('$OBJCOPY -O binary $SOURCE $TARGET',
                              cmdstr='$BINCOMSTR'))
    fw = env.Command(os.path.join(out, name + '-fw.bin'), binf + [env.Value(FW_JUMP)],
                     Action(_fw_action, '  FW     $TARGET'))
    return {'elf': linked[0], 'map': linked[1], 'bin': binf[0], 'fw': fw[0], 'name': name, 'dir': out}


def _node(lib):
    """A library's node (SConscripts return a one-node list)."""
    return lib if hasattr(lib, 'abspath') else lib[0]


# Symbols the libOS takes from newlib and libgcc for itself (string and
# memory routines, compiler helpers): in priv=user it needs its own copies,
# since the app's, in the low half, are user pages that S-mode cannot run.
# The libOS symbols the linker script names; every other one is local to
# libos.o in priv=user.
LIBOS_EXPORTS = {'_start', 'early_pagetable'}


def _libos_action(target, source, env):
    """ld -r the three libOS archives (whole) with the members of newlib and
    libgcc they need into one object, then make its symbols local (but the
    ones the linker script names): its copies of newlib's and libgcc's
    routines and of the app side's (umalloc) stay its own, and an app that
    calls the libOS's kernel API directly (kalloc, mappages, ...) gets an
    undefined reference at link time -- the app reaches the libOS only by
    ecall."""
    out = str(target[0])
    libc = str(env['NEWLIB']['libc'])
    libgcc = subprocess.run([env['CC']] + ARCH_FLAGS + ['-print-libgcc-file-name'],
                            capture_output=True, text=True).stdout.strip()
    archives = [str(s) for s in source]
    cmd = [env['LD'], '-r', '-o', out, '--whole-archive'] + archives + ['--no-whole-archive',
           '--start-group', libc, libgcc, '--end-group']
    if subprocess.call(cmd) != 0:
        return 1
    local = sorted(_defined(env, out) - LIBOS_EXPORTS)
    args = [env['OBJCOPY']] + ['--localize-symbol=' + sym for sym in local] + [out]
    return subprocess.call(args)


def _defined(env, path):
    text = subprocess.run([env['NM'], '--defined-only', '-g', path], capture_output=True, text=True).stdout
    return {f[2] for f in (line.split() for line in text.splitlines()) if len(f) == 3}


def libos(cross, libs):
    """priv=user: the libOS as one relocatable object with its own copies of
    what it borrows from newlib and libgcc (see _libos_action)."""
    env = cross.Clone(LD=CROSS + 'ld')
    out = os.path.join(os.path.dirname(_node(libs['libarch']).abspath), os.pardir, 'libos.o')
    node = env.Command(os.path.normpath(out), [_node(libs[n]) for n in ('libarch', 'libmm', 'libc_glue')],
                       Action(_libos_action, '  LIBOS  $TARGET'))
    env.Depends(node, env['NEWLIB']['libc'])
    return node[0]
