/* What <capsule/measure.h> declares, for an app built for the reference
 * Linux (docs/linux.md): capsule_icount() says whether the run is under
 * QEMU -icount, as the runner told the kernel (tools/linux/init.c's icount
 * option on its command line, which the app reads from /proc/cmdline). */
#include <stdio.h>
#include <string.h>

#include <capsule/measure.h>

/* Contract in capsule/measure.h. */
int capsule_icount(void)
{
    static int known = -1;
    if (known < 0) {
        char line[4096] = "";
        FILE *f = fopen("/proc/cmdline", "r");
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = 0;
            fclose(f);
        }
        char *opts = strstr(line, " -- ");
        char *end = opts ? strstr(opts, " --args") : NULL;
        if (end)
            *end = 0;
        known = opts && (strstr(opts, " icount ") != NULL);
    }
    return known;
}
