/*
** web_assets.h — the web page's files (web/index.html, app.js, app.css),
** embedded in the binary at build time: scripts/embed.py turns them into
** web_assets_data.c (generated in the build folder, never committed).
*/
#ifndef SC_WEB_ASSETS_H
#define SC_WEB_ASSETS_H

#include <stddef.h>

typedef struct sc_asset {
    const char *path;          /* "/", "/app.js", ... */
    const char *content_type;
    const unsigned char *data;
    size_t len;
} sc_asset;

/* The asset served at path, or NULL.  Static. */
const sc_asset *sc_web_asset(const char *path);

#endif
