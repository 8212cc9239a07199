#!/bin/sh
# specs/bot-status-integration.md, Troubleshooting: "Test with HTTP status endpoint:
# `GET /api/autoapply/bot/status`" and "Verify API token is valid: test with `curl`". The spec
# names the check but gives no command line (the two bot-status documents hold no curl example);
# this is that check written out. $JOBELIX_API_URL and $JOBELIX_TOKEN as in the other examples.
set -eu
curl -sS --fail-with-body -H "Authorization: Bearer $JOBELIX_TOKEN" "$JOBELIX_API_URL/api/autoapply/bot/status"
