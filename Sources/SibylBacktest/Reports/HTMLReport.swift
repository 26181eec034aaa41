import Foundation

/// A self-contained HTML report: statistics, equity against buy-and-hold, drawdown, trades on
/// the price, and for forecast strategies the forecast against the actual close. Charts are
/// inline SVG; nothing is fetched.
public struct HTMLReport {
    public let result: BacktestResult
    public let statistics: BacktestStatistics
    /// Optional: per-bar forecast closes (NaN where none) for the forecast chart.
    public var forecasts: [Double]?
    /// The run's settings, shown under the title.
    public var notes: [String] = []
    /// Sections of plain text after the statistics (a walk-forward's folds), title and text.
    public var sections: [(title: String, text: String)] = []
    /// Caveats about the data and the run (repairs, warnings, capacity, running out of money),
    /// listed above the charts.
    public var warnings: [String] = []

    public init(result: BacktestResult, statistics: BacktestStatistics, forecasts: [Double]? = nil, notes: [String] = [],
                sections: [(title: String, text: String)] = [], warnings: [String] = []) {
        self.result = result
        self.statistics = statistics
        self.forecasts = forecasts
        self.notes = notes
        self.sections = sections
        self.warnings = warnings
    }

    /// Trades whose entries and exits are marked on the price chart; the trades CSV has them all.
    static let markedTrades = 2_000

    public func render() -> String {
        let series = result.series
        // Dates, or dates and times for intraday bars (whose dates repeat along the axis).
        let format = series.timestampFormat
        let labels = series.timestamps.map { format($0).replacingOccurrences(of: "T", with: " ") }
        let benchmark = result.buyAndHoldEquity
        let drawdown = result.drawdown.map { -100 * $0 }
        let equityChart = SVGChart(title: "Equity", labels: labels, series: [
            .init(name: "buy and hold", values: benchmark, color: "#9aa5b1"),
            .init(name: result.strategy, values: result.equity, color: "#1f6feb"),
        ])
        let drawdownChart = SVGChart(title: "Drawdown (%)", labels: labels,
                                     series: [.init(name: "drawdown", values: drawdown, color: "#d1242f", fill: true)], height: 170)
        var markers: [SVGChart.Marker] = []
        for trade in result.trades.prefix(Self.markedTrades) {
            markers.append(.init(index: trade.entryBar, value: series.low[trade.entryBar] * 0.995, color: trade.size > 0 ? "#1a7f37" : "#d1242f",
                                 up: trade.size > 0, label: "\(trade.size > 0 ? "buy" : "sell short") \(String(format: "%.6g", abs(trade.size))) at \(trade.entryPrice) on \(labels[trade.entryBar])"))
            if let exit = trade.exitBar, let price = trade.exitPrice {
                markers.append(.init(index: exit, value: series.high[exit] * 1.005, color: "#6e7781", up: false,
                                     label: "exit (\(trade.exitReason.rawValue)) at \(price) on \(labels[exit])"))
            }
        }
        let marked = result.trades.count > Self.markedTrades ? "; the first \(Self.markedTrades) of \(result.trades.count) trades marked" : ""
        var priceChart = SVGChart(title: "Close with trades (▲ long entry, ▼ short entry or exit\(marked))", labels: labels,
                                  series: [.init(name: "close", values: series.close, color: "#24292f")])
        priceChart.markers = markers
        var charts = [equityChart.render(), drawdownChart.render(), priceChart.render()]
        if let forecasts {
            let first = forecasts.firstIndex { !$0.isNaN } ?? 0
            let window = first..<series.count
            let forecastChart = SVGChart(title: "Forecast against actual close (held-out bars)", labels: Array(labels[window]), series: [
                .init(name: "actual", values: Array(series.close[window]), color: "#24292f"),
                .init(name: "forecast", values: Array(forecasts[window]), color: "#bf8700"),
            ])
            charts.append(forecastChart.render())
        }
        // Closed trades are what the statistics count; one still open at the end is listed too.
        let open = result.trades.filter { $0.exitBar == nil }.count
        let tradesHeading = open == 0 ? "\(result.trades.count)" : "\(result.trades.count - open) closed, \(open) open at the end"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(result.strategy)) on \(escape(series.name))</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1000px; color: #24292f; }
            h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
            table { border-collapse: collapse; font-size: 12px; } td, th { padding: 3px 10px; border-bottom: 1px solid #eaeef2; text-align: right; }
            td:first-child, th:first-child { text-align: left; } .notes { color: #57606a; font-size: 13px; }
            .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; }
            </style></head><body>
            <h1>\(escape(result.strategy)) on \(escape(series.name))</h1>
            <p class="notes">\(escape(statistics.start)) → \(escape(statistics.end)), \(series.count) bars; fills \(result.configuration.fills == .nextOpen ? "at the next bar's open" : "at the same bar's close (optimistic: the close is not tradable once known)"); \(notes.map(escape).joined(separator: "; "))</p>
            \(warnings.isEmpty ? "" : "<ul class=\"notes\">" + warnings.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
            \(charts.joined(separator: "\n"))
            <h2>Statistics</h2>
            \(statisticsTable())
            \(sections.map { "<h2>\(escape($0.title))</h2>\n<pre class=\"notes\">\(escape($0.text))</pre>" }.joined(separator: "\n"))
            <h2>Trades (\(tradesHeading))</h2>
            \(tradesTable())
            </body></html>
            """
    }

    private func statisticsTable() -> String {
        let rows = statistics.displayRows
        let half = (rows.count + 1) / 2
        func table(_ part: ArraySlice<(label: String, value: String)>) -> String {
            "<table>" + part.map { "<tr><td>\(escape($0.label))</td><td>\(escape($0.value))</td></tr>" }.joined() + "</table>"
        }
        return "<div class=\"grid\">\(table(rows[..<half]))\(table(rows[half...]))</div>"
    }

    private func tradesTable() -> String {
        let times = result.series.timestamps
        let iso = result.series.timestampFormat
        let last = result.series.close[result.series.count - 1]
        var rows = ["<tr><th>entry</th><th>exit</th><th>size</th><th>entry price</th><th>exit price</th><th>PnL</th><th>return %</th><th>reason</th></tr>"]
        for trade in result.trades.prefix(500) {
            rows.append("<tr><td>\(iso(times[trade.entryBar]))</td><td>\(trade.exitBar.map { iso(times[$0]) } ?? "open")</td><td>\(String(format: "%.6g", trade.size))</td>"
                + "<td>\(String(format: "%.7g", trade.entryPrice))</td><td>\(trade.exitPrice.map { String(format: "%.7g", $0) } ?? "–")</td>"
                + "<td>\(String(format: "%.2f", trade.profit(mark: last)))</td><td>\(String(format: "%.2f", 100 * trade.returnFraction(mark: last)))</td>"
                + "<td>\(trade.exitReason.rawValue)\(trade.ambiguousExit ? " (ambiguous)" : "")</td></tr>")
        }
        if result.trades.count > 500 { rows.append("<tr><td colspan=\"8\">… \(result.trades.count - 500) more in the trades CSV</td></tr>") }
        return "<table>\(rows.joined())</table>"
    }
}
