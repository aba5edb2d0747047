/// The one page shell and stylesheet of every HTML report: self-contained (no scripts, no
/// external assets), so a report opens anywhere and can be attached to a CI run.
public enum HTMLPage {
    /// `title` is plain text (escaped here); `body` is HTML; `style` is CSS a page adds to the shared sheet.
    public static func render(title: String, body: String, style: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font: 15px/1.5 system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
        .overall.ok strong, .better { color: #1a7f37; } .overall.bad strong, .worse { color: #b42318; }
        li.ok::marker { content: "✓ "; color: #1a7f37; } li.warn::marker { content: "⚠ "; color: #b54708; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9em; } th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        tr.below td { background: #fff4e5; } svg { width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: #444; }
        \(style)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
