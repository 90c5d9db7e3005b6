/* Test helper: run a command as a child subreaper, the way the shim runs
 * fakerunc, so container processes re-parent to us. Reaps every child until
 * none is left and appends "<pid> <status>" per reaped process to the file
 * named by $SUBREAPER_LOG (status: exit code, or 128+signal, like the shim).
 * Exits with the command's own status. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CMD [ARG...]\n", argv[0]);
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("prctl");
        return 2;
    }
    pid_t cmd = fork();
    if (cmd == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    const char *logp = getenv("SUBREAPER_LOG");
    int rc = 2, ws;
    pid_t p;
    while ((p = wait(&ws)) > 0 || (p < 0 && errno == EINTR)) {
        if (p < 0) continue;
        int st = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (p == cmd) rc = st;
        else if (logp) {
            FILE *f = fopen(logp, "a");
            if (f) fprintf(f, "%d %d\n", (int)p, st), fclose(f);
        }
    }
    return rc;
}
