import Foundation
import Testing
@testable import sibyl

/// The commands' JSON encoder against Foundation's: the same document, except that absent values
/// are null instead of left out.
@Suite("JSON output")
struct JSONOutputTests {
    enum Side: String, Codable { case long, short }

    struct Inner: Codable, Equatable {
        var name: String
        var values: [Double]
        var side: Side
        var optional: Int?
    }

    struct Document: Codable, Equatable {
        var text = "quote \" backslash \\ tab \t newline \n bell \u{7} é ∞ / \u{2028}"
        var integer = -42
        var unsigned: UInt64 = 18_446_744_073_709_551_615
        var whole = 252.0
        var fraction = 0.1
        var tiny = 1e-300
        var huge = 1.5e300
        var negativeZero = -0.0
        var single: Float = 0.1
        var flag = true
        var missing: String?
        var present: Double? = 2.5
        var empty: [Int] = []
        var emptyObject: [String: Int] = [:]
        var nested = [Inner(name: "a", values: [1, 2.5, -3e-7], side: .long, optional: nil),
                      Inner(name: "b", values: [], side: .short, optional: 7)]
        var byName = ["z": 1, "a": 2, "m": 3]
        var matrix = [[1, 2], [3]]
    }

    @Test("the same values as Foundation's JSONEncoder writes, keys sorted, and nulls where it leaves keys out")
    func matchesFoundation() throws {
        let document = Document()
        let ours = try JSONOutput.text(document)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let theirs = try encoder.encode(document)
        // Both decode to the same document.
        #expect(try JSONDecoder().decode(Document.self, from: Data(ours.utf8)) == document)
        let ourObject = try #require(JSONSerialization.jsonObject(with: Data(ours.utf8)) as? [String: Any])
        let theirObject = try #require(JSONSerialization.jsonObject(with: theirs) as? [String: Any])
        // Every key Foundation writes, with the same value; and the absent optional as null.
        #expect(NSDictionary(dictionary: ourObject.filter { $0.key != "missing" && $0.key != "nested" }) == NSDictionary(dictionary: theirObject.filter { $0.key != "nested" }))
        #expect(ourObject["missing"] is NSNull && theirObject["missing"] == nil)
        let nested = try #require(ourObject["nested"] as? [[String: Any]])
        #expect(nested.count == 2 && nested[0]["optional"] is NSNull && nested[1]["optional"] as? Int == 7)
        // Whole numbers as Foundation spells them, keys in byte order, one member per line.
        #expect(ours.contains("\"whole\" : 252\n") && ours.contains("\"integer\" : -42,"))
        // Negative zero as 0, as the text tables print it (Foundation writes -0).
        #expect(ours.contains("\"negativeZero\" : 0,"), "\(ours)")
        let keys = ours.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test("numbers that are not finite are null, at any depth")
    func nonFinite() throws {
        struct Values: Encodable { let values: [Double]; let single: Float; let one: Double? }
        let text = try JSONOutput.text(Values(values: [.nan, .infinity, 1], single: -.infinity, one: .nan))
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let values = try #require(object["values"] as? [Any])
        #expect(values[0] is NSNull && values[1] is NSNull && values[2] as? Int == 1)
        #expect(object["single"] is NSNull && object["one"] is NSNull)
    }
}
