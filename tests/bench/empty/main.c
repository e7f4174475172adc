/* The smallest app: returns at once.  Its whole QEMU run is the reference
 * for the hello image's run time. */
int main(void)
{
    return 0;
}
