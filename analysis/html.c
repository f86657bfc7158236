/* Page frame and style sheet of the HTML report and dashboard pages. */
#include "analysis/an_html.h"

#include <ctype.h>
#include <stdio.h>

static const char css[] =
	"*{box-sizing:border-box}"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans',sans-serif;"
	"color:#1d2330;background:#f4f6fa;margin:0}"
	"main{max-width:1100px;margin:0 auto;padding:18px 24px 40px}"
	"header.top{background:#1f2d46;color:#fff;padding:20px 24px}"
	"header.top div{max-width:1100px;margin:0 auto}"
	"header.top h1{margin:0;font-size:22px;font-weight:600}"
	"header.top p{margin:4px 0 0;color:#c5d0e6}"
	"h2{font-size:17px;margin:26px 0 10px;color:#1f2d46;border-bottom:2px solid #dfe4ee;padding-bottom:4px}"
	"section{background:#fff;border:1px solid #e1e6ef;border-radius:8px;padding:4px 18px 16px;margin:16px 0}"
	"table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
	"th{text-align:left;font-weight:600;color:#4a5468;border-bottom:2px solid #dfe4ee;padding:6px 8px;white-space:nowrap}"
	"td{border-bottom:1px solid #eef1f6;padding:5px 8px;vertical-align:top}"
	"td.num{text-align:right;white-space:nowrap}"
	"table.kv{width:auto}table.kv th{border:0;padding:3px 18px 3px 0}table.kv td{border:0;padding:3px 0}"
	"tr.suspect td{background:#fff4d6}"
	"tr.suspect-note td{background:#fff4d6;color:#7a5300;font-size:13px;border-bottom:1px solid #f0d48a}"
	"tr.regression td{background:#fde2e1}"
	"tr.improvement td{background:#e3f5e6}"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}"
	".b-ok{background:#e3f5e6;color:#1d6b2f}.b-unsupported{background:#eceef2;color:#555}"
	".b-failed{background:#fde2e1;color:#a61b1b}.b-suspect{background:#ffe6a8;color:#7a5300}"
	".b-slower{background:#fde2e1;color:#a61b1b}.b-faster{background:#e3f5e6;color:#1d6b2f}"
	".b-same{background:#eceef2;color:#555}"
	".b-emulated{background:#fff4d6;color:#7a5b00}"
	".cards{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}"
	".card{flex:1;min-width:140px;background:#f7f9fc;border:1px solid #e1e6ef;border-radius:8px;padding:10px 14px}"
	".card b{display:block;font-size:24px;color:#1f2d46}.card.warn{background:#fff4d6;border-color:#f0d48a}"
	".card.bad{background:#fde2e1;border-color:#f3b4b1}"
	".callout{border-left:4px solid #e0a100;background:#fff8e5;padding:8px 12px;margin:8px 0;border-radius:4px}"
	".muted{color:#6b7385}.small{font-size:12px}"
	"svg.chart{max-width:100%;height:auto;display:block;margin:10px 0}"
	"svg .grid{stroke:#e3e7ef;stroke-width:1}svg .tick{font-size:11px;fill:#6b7385}"
	"svg .lbl{font-size:12px;fill:#1d2330}svg .lbl.warn{fill:#a35f00;font-weight:600}"
	"svg .val{font-size:11px;fill:#4a5468}svg .axis{font-size:12px;fill:#4a5468}"
	"svg .bar{fill:#4C72B0}svg .bar.warn{fill:#E0A100}svg .whisker{stroke:#1d2330;stroke-width:1.3;fill:none}"
	"svg .band{fill:#4C72B0;fill-opacity:.18;stroke:none}svg .trend{fill:none;stroke:#4C72B0;stroke-width:2}"
	"svg .pt{fill:#4C72B0}svg .pt.alert{fill:#C44E52}"
	"a{color:#2b5cb8;text-decoration:none}a:hover{text-decoration:underline}"
	".trend-grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px}"
	".trend-grid figure{margin:6px 0}"
	"footer{color:#8a92a3;font-size:12px;margin-top:24px}";

void an_html_head(struct an_buf *b, const char *title)
{
	an_buf_put(b, "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
		      "<meta name='viewport' content='width=device-width, initial-scale=1'>\n<title>");
	an_buf_html(b, title);
	an_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

void an_html_foot(struct an_buf *b, const char *note)
{
	an_buf_put(b, "<footer>");
	an_buf_html(b, note);
	an_buf_put(b, "</footer>\n</main>\n</body>\n</html>\n");
}

void an_html_slug(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		out[i++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '-';
	out[i] = '\0';
}
