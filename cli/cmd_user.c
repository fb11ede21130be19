/* cmd_user.c — STUB: `sucai user` is not built yet. */
#include "cli.h"

int cmd_user(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("'user' is not available in this build yet");
    return 2;
}
