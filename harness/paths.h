/* Where rtconform finds its parts, in the build tree and when installed.
 * One place for the lookup order (README "For packagers"):
 *
 *   libexec (fake shims, fakerunc):
 *     1. --libexec DIR / --shim-dir DIR
 *     2. $RTCONFORM_LIBEXEC
 *     3. <dir of /proc/self/exe>/../libexec/rtconform   (installed layout)
 *     4. <dir of /proc/self/exe>/../libexec             (build tree)
 *   data (fixtures/: expectation files, upgrade corpus, daemon.json cases):
 *     1. $RTCONFORM_DATADIR
 *     2. <exe dir>/../share/rtconform   (installed; the build tree has a
 *        symlink share/rtconform/fixtures -> the source's fixtures/)
 *   engine: --engine PATH, else rtengined next to rtconform.
 *
 * The first candidate that holds the expected file wins; when none does,
 * the installed location is returned (the probe then reports what is
 * missing). */
#ifndef RT_PATHS_H
#define RT_PATHS_H

/* Directory of the running executable (malloc'd; "." if unknown). */
char *rt_paths_self_dir(void);
/* FLAG may be NULL. Results are malloc'd. */
char *rt_paths_libexec(const char *self_dir, const char *flag);
char *rt_paths_datadir(const char *self_dir);
/* --expect NAME: an existing path as given; else, when NAME has no '/',
 * DATADIR/fixtures/expect/NAME or NAME.json (e.g. "dockerd-26"). NULL when
 * nothing matched (the caller reports the name as given). malloc'd. */
char *rt_paths_expect(const char *datadir, const char *name);

#endif
