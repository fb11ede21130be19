/* cmd_export.c — STUB: `sucai export` is not built yet. */
#include "cli.h"

int cmd_export(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("'export' is not available in this build yet");
    return 2;
}
