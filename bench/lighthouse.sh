#!/bin/sh
# Lighthouse 12 (mobile: emulated Moto G Power, simulated slow 4G and 4x CPU slowdown) on the
# home, catalogue, product and verify pages of a running demo shop; prints one table row per
# page: performance, accessibility, best practices, SEO (0-100), CLS, LCP, total bytes.
#
# Setup (once, outside the repository; nothing is fetched while the shop runs):
#   npm install --prefix /tmp/lh lighthouse@12 axe-core@4
# Usage (the shop served as in docs/ux.md):
#   bench/lighthouse.sh http://127.0.0.1:5113 [out-dir]
# Reports (JSON) go to out-dir (default /tmp/lighthouse). Never part of `make test`.
set -eu
BASE=${1:?usage: bench/lighthouse.sh BASE_URL [out-dir]}
OUT=${2:-/tmp/lighthouse}
LH=${LIGHTHOUSE:-/tmp/lh/node_modules/.bin/lighthouse}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
mkdir -p "$OUT"
echo "| page | performance | accessibility | best practices | SEO | CLS | LCP | bytes |"
echo "|---|---|---|---|---|---|---|---|"
for pair in home=/ catalogue=/products product=/p/ca-phe-robusta-rang-moc-cu-m-gar \
    verify=/verify/OCOP-QG-2025-0001; do
    name=${pair%%=*}
    path=${pair#*=}
    "$LH" "$BASE$path" --quiet --output=json --output-path="$OUT/$name.json" \
        --only-categories=performance,accessibility,best-practices,seo \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>&1 ||
        { echo "| $name | lighthouse failed |"; continue; }
    node -e '
const r = require(process.argv[1]);
const c = r.categories, a = r.audits;
const s = (k) => Math.round(c[k].score * 100);
console.log(`| ${process.argv[2]} (${process.argv[3]}) | ${s("performance")} | ${s("accessibility")} | ${s("best-practices")} | ${s("seo")} | ${a["cumulative-layout-shift"].numericValue.toFixed(3)} | ${(a["largest-contentful-paint"].numericValue / 1000).toFixed(1)} s | ${Math.round(a["total-byte-weight"].numericValue / 1024)} KiB |`);
' "$OUT/$name.json" "$name" "$path"
done
