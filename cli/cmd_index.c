/* cmd_index.c — STUB: `sucai index` is not built yet. */
#include "cli.h"

int cmd_index(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("'index' is not available in this build yet");
    return 2;
}
