/* A host tool of the original program, not part of the app: capsule.py's
 * EXCLUDE keeps it out (it would not even compile). */
#error "tools/ is excluded from the app's build"
