/* The app's start: argv from the boot arguments (QEMU -append, the device
 * tree's /chosen/bootargs), newlib's constructors, main, exit. */
#include <stdlib.h>

#include <arch/bootinfo.h>

#include "glue.h"

#define ARGV_MAX 64

extern int  main(int argc, char **argv);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);
/* Defined per image by the build: the app's name, argv[0]. */
extern const char capsule_app_name[];

/* Split line in place into words; double quotes group words with spaces.
 * Returns the number of words stored in words (at most max). */
static int split_args(char *line, char **words, int max)
{
    int n = 0;
    char *out = line;
    while (*line && n < max) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line)
            break;
        words[n++] = out;
        int quoted = 0;
        for (; *line && (quoted || (*line != ' ' && *line != '\t')); line++) {
            if (*line == '"')
                quoted = !quoted;
            else
                *out++ = *line;
        }
        if (*line)
            line++;
        *out++ = '\0';
    }
    return n;
}

/* Contract in glue.h: entered from the boot sequence (init.c). */
void capsule_start(uint64_t unused0, uint64_t unused1)
{
    static char line[BOOT_ARGS_MAX];
    static char *argv[ARGV_MAX + 2];
    const char *args = arch_boot_info()->bootargs;
    (void)unused0;
    (void)unused1;

    for (size_t i = 0; i + 1 < sizeof line && args[i]; i++)
        line[i] = args[i];
    argv[0] = (char *)capsule_app_name;
    int argc = 1 + split_args(line, argv + 1, ARGV_MAX);
    argv[argc] = NULL;

    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main(argc, argv));
}
