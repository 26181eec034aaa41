import Foundation

/// A small line/area chart as inline SVG: no script, no fetched asset.
struct SVGChart {
    struct Series {
        let name: String
        let values: [Double]
        let color: String
        var fill = false
    }

    struct Marker {
        let index: Int
        let value: Double
        let color: String
        /// "up" or "down" triangle.
        let up: Bool
        let label: String
    }

    let title: String
    let labels: [String]
    let series: [Series]
    var markers: [Marker] = []
    var width = 960
    var height = 260
    /// printf format of the value axis; nil for enough decimals to tell the gridlines apart
    /// (two for an equity in dollars, five for a currency pair's price).
    var valueFormat: String?

    /// A printf format that tells values `step` apart: fixed decimals, or scientific notation with
    /// the significant digits that takes where fixed would need more than 10 decimals (prices of
    /// 3e-10 a token) or print more than 15 digits.
    static func axisFormat(step: Double, largest: Double) -> String {
        guard step > 0, step.isFinite, largest.isFinite else { return "%g" }
        let stepExponent = Int(log10(step).rounded(.down))
        let decimals = max(0, 2 - stepExponent)
        if decimals <= 10 && largest < 1e15 { return "%.\(decimals)f" }
        let largestExponent = largest > 0 ? Int(log10(largest).rounded(.down)) : stepExponent
        return "%.\(min(15, max(1, largestExponent - stepExponent + 2)))e"
    }

    /// At most this many points per line: longer series keep each bucket's first, min and max.
    static let maximumPoints = 2400

    func render() -> String {
        let left = 70.0, right = 12.0, top = 28.0, bottom = 28.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let all = series.flatMap { $0.values.filter(\.isFinite) } + markers.map(\.value)
        guard let low = all.min(), let high = all.max(), let count = series.first?.values.count, count > 1 else {
            return "<p>\(escape(title)): no data</p>"
        }
        let span = high > low ? high - low : max(abs(high), 1)
        let (bottomValue, topValue) = (low - 0.04 * span, high + 0.04 * span)
        func x(_ i: Int) -> Double { left + plotWidth * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { top + plotHeight * (1 - (v - bottomValue) / (topValue - bottomValue)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#fff\"/>"
        svg += "<text x=\"\(left)\" y=\"18\" font-size=\"13\" font-family=\"sans-serif\" font-weight=\"bold\">\(escape(title))</text>"
        // Horizontal grid with values.
        let step = (topValue - bottomValue) / 4
        let format = valueFormat ?? Self.axisFormat(step: step, largest: max(abs(bottomValue), abs(topValue)))
        for k in 0...4 {
            let v = bottomValue + (topValue - bottomValue) * Double(k) / 4
            let yy = y(v)
            svg += "<line x1=\"\(left)\" x2=\"\(Double(width) - right)\" y1=\"\(f(yy))\" y2=\"\(f(yy))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(f(yy + 4))\" font-size=\"10\" text-anchor=\"end\" font-family=\"sans-serif\">\(String(format: format, v))</text>"
        }
        // Dates along the bottom.
        for k in 0...4 {
            let i = (count - 1) * k / 4
            let anchor = k == 0 ? "start" : k == 4 ? "end" : "middle"
            svg += "<text x=\"\(f(x(i)))\" y=\"\(height - 8)\" font-size=\"10\" text-anchor=\"\(anchor)\" font-family=\"sans-serif\">\(escape(labels[i]))</text>"
        }
        for line in series {
            let points = Self.thin(line.values).map { "\(f(x($0.0))),\(f(y($0.1)))" }
            guard !points.isEmpty else { continue }
            if line.fill {
                let baseline = f(y(max(bottomValue, min(0, topValue))))
                svg += "<polygon fill=\"\(line.color)\" fill-opacity=\"0.35\" stroke=\"none\" points=\"\(f(left)),\(baseline) \(points.joined(separator: " ")) \(f(x(count - 1))),\(baseline)\"/>"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.3\" points=\"\(points.joined(separator: " "))\"/>"
        }
        for marker in markers {
            let (cx, cy) = (x(marker.index), y(marker.value))
            let path = marker.up
                ? "M\(f(cx)),\(f(cy - 1)) l-4,8 l8,0 z"
                : "M\(f(cx)),\(f(cy + 1)) l-4,-8 l8,0 z"
            svg += "<path d=\"\(path)\" fill=\"\(marker.color)\"><title>\(escape(marker.label))</title></path>"
        }
        // Legend.
        var legendX = Double(width) - right
        for line in series.reversed() {
            legendX -= Double(line.name.count) * 6.5 + 26
            svg += "<rect x=\"\(f(legendX))\" y=\"9\" width=\"12\" height=\"4\" fill=\"\(line.color)\"/>"
            svg += "<text x=\"\(f(legendX + 16))\" y=\"15\" font-size=\"11\" font-family=\"sans-serif\">\(escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// (index, value) pairs, thinned to at most `maximumPoints` keeping each bucket's extremes.
    static func thin(_ values: [Double]) -> [(Int, Double)] {
        let finite = values.indices.filter { values[$0].isFinite }
        guard finite.count > maximumPoints else { return finite.map { ($0, values[$0]) } }
        let bucket = (finite.count + maximumPoints / 3 - 1) / (maximumPoints / 3)
        var out: [(Int, Double)] = []
        for start in stride(from: 0, to: finite.count, by: bucket) {
            let slice = finite[start..<min(finite.count, start + bucket)]
            let lowest = slice.min { values[$0] < values[$1] }!, highest = slice.max { values[$0] < values[$1] }!
            for i in Set([slice.first!, lowest, highest]).sorted() { out.append((i, values[i])) }
        }
        return out
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
