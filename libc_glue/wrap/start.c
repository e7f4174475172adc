/* The app's start, in the app's mode: the boot line (the device tree's
 * /chosen/bootargs from QEMU -append or a boot loader, or, with boot=fw,
 * the line the runner wrote into the firmware image), of which the boot
 * sequence (init.c) gives a copy in the app's memory and took the options
 * it acts on itself, split into argv and environ; newlib's constructors,
 * main, exit.
 *
 * The boot line: words separated by spaces or tabs, double quotes group
 * (and are removed).  When a word "--" appears and every word before it
 * starts with "capsule.", those words are options and the words after it
 * the arguments; otherwise every word is an argument.  Options:
 *   capsule.env=NAME=VALUE   an environment variable (repeatable)
 *   capsule.stdin=pipe       stdin is a forwarded pipe or file (tty.h)
 *   capsule.icount           QEMU runs under -icount shift=0 (capsule/measure.h)
 *   capsule.out=HOST_PATH    /out goes to this host file at the end (fs_out.c)
 * No fixed limits: argv and environ are as long as the line. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "syscall.h"

#define OPTION_PREFIX       "capsule."
#define OPTION_ENV          "capsule.env="
#define OPTION_STDIN_PIPE   "capsule.stdin=pipe"
#define OPTION_ICOUNT       "capsule.icount"
#define OPTION_OUT          "capsule.out="

extern int  main(int argc, char **argv);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);
extern char **environ;
int app_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* Memory for the boot line's copy, argv and environ: its own mapping, so
 * the app's heap starts empty as before (nothing of Capsule's sits in the
 * way of malloc).  NULL when out of memory. */
static void *boot_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The number of leading option words before a "--", or 0 when the line has
 * no option part. */
static int count_options(char **words, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(words[i], "--") == 0)
            return i + 1;
        if (strncmp(words[i], OPTION_PREFIX, sizeof OPTION_PREFIX - 1) != 0)
            return 0;
    }
    return 0;
}

/* Apply the options in words[0, n) (the last is "--"); environ gets the
 * variables, in order (stdin and icount are the boot sequence's). */
static void apply_options(char **words, int n, char **env)
{
    int nenv = 0;
    for (int i = 0; i + 1 < n; i++) {
        if (strncmp(words[i], OPTION_ENV, sizeof OPTION_ENV - 1) == 0)
            env[nenv++] = words[i] + sizeof OPTION_ENV - 1;
        else if (strcmp(words[i], OPTION_STDIN_PIPE) != 0 && strcmp(words[i], OPTION_ICOUNT) != 0 &&
                 strncmp(words[i], OPTION_OUT, sizeof OPTION_OUT - 1) != 0)
            app_printf("capsule: unknown boot option %s ignored\n", words[i]);
    }
    env[nenv] = NULL;
    environ = env;
}

/* Entered from the boot sequence (init.c) with its copy of the boot line,
 * NUL-terminated, in the app's memory (NULL when it had no memory for
 * it); never returns. */
void capsule_start(uint64_t line_va, uint64_t unused) __attribute__((noreturn));
void capsule_start(uint64_t line_va, uint64_t unused)
{
    (void)unused;
    char *line = (char *)line_va;
    int max = line ? (int)(strlen(line) / 2 + 1) : 0;
    char **words = line ? boot_alloc((size_t)(max + 2) * sizeof *words) : NULL;
    char **env = line ? boot_alloc((size_t)(max + 1) * sizeof *env) : NULL;
    if (!words || !env) {
        app_printf("capsule: out of memory for the boot arguments\n");
        exit(127);
    }
    words[0] = (char *)capsule_app_name;
    int n = split_args(line, words + 1, max);
    int nopt = count_options(words + 1, n);
    apply_options(words + 1, nopt, env);
    char **argv = words + nopt;
    argv[0] = (char *)capsule_app_name;
    int argc = 1 + n - nopt;
    argv[argc] = NULL;

    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main(argc, argv));
}
