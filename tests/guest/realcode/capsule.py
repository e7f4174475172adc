# Build settings for this app (README.md, "Real programs"): code written for
# gnu89 (its inline functions, K&R definitions, implicit int), warnings off,
# as its original makefile would build it.
STD = 'gnu89'
CFLAGS = ['-w']
CPPDEFINES = [('REALCODE_GREETING', '"built as gnu89"'), 'REALCODE_FEATURE']
CPPPATH = ['include']
SOURCES = ['../realcode_lib/*.c']
EXCLUDE = ['tools/*.c']
