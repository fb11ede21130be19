/* cmd_search.c — STUB: `sucai search` is not built yet. */
#include "cli.h"

int cmd_search(int argc, char **argv)
{
    (void)argc; (void)argv;
    cli_error("'search' is not available in this build yet");
    return 2;
}
