/* cmd_serve.c — STUB: `sucai serve` is not built yet. */
#include "cli.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("'serve' is not available in this build yet");
    return 2;
}
