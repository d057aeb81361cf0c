import StatMLCore

/// Generated product names with ECOICOP-style labels, for demos and tests where the real data is absent:
/// brands, product words, descriptors and pack sizes combined at random (seeded), with shared words
/// between classes so that the task is not trivially separable, and an ECOICOP-like hierarchy.
public struct SyntheticProducts {
    struct Category {
        var code: String
        var parent: String
        var label: String
        var words: [String]
        var units: [String]
    }

    static let categories: [Category] = [
        Category(
            code: "01.1.4.1", parent: "01.1.4", label: "Whole milk",
            words: ["milk", "whole milk", "fresh milk", "mleko"], units: ["l", "ml"]),
        Category(
            code: "01.1.4.4", parent: "01.1.4", label: "Yoghurt",
            words: ["yoghurt", "greek yoghurt", "jogurt", "drinking yoghurt"], units: ["g", "ml"]),
        Category(
            code: "01.1.4.5", parent: "01.1.4", label: "Cheese and curd",
            words: ["cheese", "cheddar", "gouda", "curd", "ser", "mozzarella"], units: ["g", "kg"]),
        Category(
            code: "01.1.1.3", parent: "01.1.1", label: "Bread",
            words: ["bread", "rye bread", "baguette", "chleb", "toast bread"], units: ["g"]),
        Category(
            code: "01.1.1.6", parent: "01.1.1", label: "Pasta products",
            words: ["pasta", "spaghetti", "penne", "makaron", "fusilli"], units: ["g", "kg"]),
        Category(
            code: "01.2.1.1", parent: "01.2.1", label: "Coffee",
            words: ["coffee", "ground coffee", "espresso beans", "kawa", "instant coffee"], units: ["g"]),
        Category(
            code: "01.2.1.2", parent: "01.2.1", label: "Tea",
            words: ["tea", "green tea", "black tea", "herbata", "earl grey"], units: ["g", "szt"]),
        Category(
            code: "01.2.2.3", parent: "01.2.2", label: "Fruit and vegetable juices",
            words: ["juice", "orange juice", "apple juice", "sok", "nectar"], units: ["l", "ml"]),
        Category(
            code: "01.2.2.1", parent: "01.2.2", label: "Mineral or spring waters",
            words: ["water", "mineral water", "spring water", "woda", "sparkling water"], units: ["l"]),
        Category(
            code: "01.1.8.3", parent: "01.1.8", label: "Chocolate",
            words: ["chocolate", "dark chocolate", "milk chocolate", "czekolada", "praline"], units: ["g"]),
    ]
    static let groups: [(code: String, parent: String?, label: String)] = [
        ("01", nil, "Food and non-alcoholic beverages"), ("01.1", "01", "Food"),
        ("01.2", "01", "Non-alcoholic beverages"),
        ("01.1.1", "01.1", "Bread and cereals"), ("01.1.4", "01.1", "Milk, cheese and eggs"),
        ("01.1.8", "01.1", "Sugar, jam, honey, chocolate and confectionery"),
        ("01.2.1", "01.2", "Coffee, tea and cocoa"),
        ("01.2.2", "01.2", "Mineral waters, soft drinks, fruit and vegetable juices"),
    ]
    static let brands = [
        "Mlekovita", "Zott", "Tesco", "Lidl", "Bio Planet", "Winiary", "Tymbark", "Wedel", "Lavazza", "Lipton",
        "Cisowianka", "Sante",
    ]
    static let descriptors = [
        "organic", "light", "classic", "premium", "family pack", "with vanilla", "lactose free", "bio", "natural",
        "extra", "orange", "milk",
    ]

    public var seed: UInt64

    public init(seed: UInt64 = 1) { self.seed = seed }

    /// `count` (text, code) pairs; the same seed gives the same list everywhere.
    public func examples(count: Int) -> [(text: String, code: String)] {
        var rng = SeededGenerator(seed: seed)
        let cats = SyntheticProducts.categories
        return (0..<count).map { _ in
            let c = cats[rng.int(below: cats.count)]
            var parts: [String] = []
            if rng.uniform() < 0.8 {
                parts.append(SyntheticProducts.brands[rng.int(below: SyntheticProducts.brands.count)])
            }
            parts.append(c.words[rng.int(below: c.words.count)])
            if rng.uniform() < 0.6 {
                parts.append(SyntheticProducts.descriptors[rng.int(below: SyntheticProducts.descriptors.count)])
            }
            let unit = c.units[rng.int(below: c.units.count)]
            let amount =
                unit == "l" ? ["0,5", "1", "1.5", "2"][rng.int(below: 4)] : String(50 * (1 + rng.int(below: 20)))
            parts.append(rng.uniform() < 0.5 ? "\(amount) \(unit)" : "\(amount)\(unit)")
            if rng.uniform() < 0.3 { parts.swapAt(0, parts.count - 1) }
            return (parts.joined(separator: " "), c.code)
        }
    }

    /// The classification the labels come from (code, parent, label).
    public static func hierarchy() -> [(code: String, parent: String?, label: String)] {
        groups + categories.map { ($0.code, Optional($0.parent), $0.label) }
    }
}
