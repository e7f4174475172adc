"""The cross toolchain and its flags, shared by every RISC-V object Capsule builds."""
import shutil

from SCons.Script import Exit

CROSS = 'riscv64-unknown-elf-'
ARCH_FLAGS = ['-march=rv64gc', '-mabi=lp64d', '-mcmodel=medany']
# Frame pointers everywhere, so fault reports can walk the stack.
COMMON_FLAGS = ARCH_FLAGS + ['-fno-omit-frame-pointer', '-ffunction-sections', '-fdata-sections',
                             '-g', '-Wall', '-Wextra']
MODE_FLAGS = {
    'debug': ['-O1', '-DMM_DEBUG', '-DCAPSULE_DEBUG'],
    'release': ['-O2', '-DNDEBUG'],
}
MODES = tuple(MODE_FLAGS)
# The libOS never depends on newlib: freestanding, no calls to memset/memcpy
# that gcc would invent from loops.
FREESTANDING_FLAGS = ['-ffreestanding', '-fno-builtin', '-fno-tree-loop-distribute-patterns']

PUBLIC_INCLUDES = ['#libarch/include', '#libmm/include', '#libc_glue/include']


def setup(env):
    """Short command lines unless verbose=1; fail early when the toolchain is missing."""
    if not env['verbose']:
        for var, word in (('CCCOMSTR', 'CC'), ('ASCOMSTR', 'AS'), ('ASPPCOMSTR', 'AS'),
                          ('ARCOMSTR', 'AR'), ('RANLIBCOMSTR', 'RANLIB'), ('LINKCOMSTR', 'LINK'),
                          ('SHCCCOMSTR', 'CC'), ('LDSCOMSTR', 'LDS'), ('BINCOMSTR', 'BIN')):
            env[var] = '  %-6s $TARGET' % word
    if not shutil.which(CROSS + 'gcc') and not env.GetOption('help') and not env.GetOption('clean'):
        print('scons: %sgcc not found: run tools/bootstrap.sh first' % CROSS)
        Exit(2)


def cross_env(env, libc):
    """An environment for RISC-V objects that see newlib's headers."""
    cross = env.Clone(
        CC=CROSS + 'gcc', AS=CROSS + 'gcc', AR=CROSS + 'ar', RANLIB=CROSS + 'ranlib',
        LINK=CROSS + 'gcc', OBJCOPY=CROSS + 'objcopy', NM=CROSS + 'nm', OBJDUMP=CROSS + 'objdump',
        PROGSUFFIX='.elf', LIBPREFIX='lib', LIBSUFFIX='.a', OBJSUFFIX='.o',
    )
    cross.Replace(CCFLAGS=COMMON_FLAGS + MODE_FLAGS[env['mode']] + ['-std=gnu11'],
                  ASFLAGS=ARCH_FLAGS + ['-g'],
                  CPPPATH=PUBLIC_INCLUDES,
                  CPPDEFINES=[])
    cross['ASPPFLAGS'] = '$CCFLAGS $ASFLAGS -D__ASSEMBLER__'
    cross['NEWLIB'] = libc
    # Only libc_glue and applications see newlib's headers (hosted_env).
    cross['FREESTANDING_FLAGS'] = FREESTANDING_FLAGS
    return cross


def hosted_env(cross):
    """A clone of the cross environment for code that uses newlib (libc_glue, apps)."""
    env = cross.Clone()
    env.Append(CCFLAGS=['-isystem', env['NEWLIB']['include']])
    return env


def freestanding_env(cross):
    """A clone for libOS code that must not see newlib (libarch, libmm)."""
    env = cross.Clone()
    env.Append(CCFLAGS=FREESTANDING_FLAGS)
    return env


def host_env(env, **overrides):
    """A clone of the top environment for x86-64 programs (host tests, fuzzers,
    differential references), compiled with the host gcc unless overridden."""
    host = env.Clone(CC='gcc')
    host.Replace(**overrides)
    if not env['verbose']:
        host['CCCOMSTR'] = '  HOSTCC $TARGET'
        host['LINKCOMSTR'] = '  HOSTLD $TARGET'
    return host
