import Glibc
import StatMLCore
import Text

/// The coding model's file: one self-describing, versioned binary.
///
/// Layout: the magic `STATMLMD`, the format version (UInt32, little-endian), the header length (UInt32),
/// a JSON header (everything a person or another tool needs to know: classes, settings, threshold,
/// metrics, training-data hash, StatML version, and a directory of the arrays that follow), the arrays
/// (little-endian), and a SHA-256 of all the bytes before it. Floats are IEEE 754 and integers
/// little-endian, so a file moves between machines and offices unchanged.
public enum CodingModelFile {
    public static let magic = Array("STATMLMD".utf8)
    /// Bumped whenever the layout or the meaning of a field changes; readers refuse newer formats.
    /// 2: position features (`features.head_features`, array `vocabulary.head`), which a format-1 reader
    /// would silently drop. Format-1 files read as models without them.
    /// 3: character n-grams weighted by their raw term frequency (`features.character_tf`); files of format
    /// 1–2 used 1 + ln tf and are read as such. The coding index moves from the header's JSON (`index`) to
    /// three arrays, `index.text`, `index.end` and `index.class`, read straight into the look-up table (the
    /// ECOICOP model, 15k index texts, loads in ~0.09 s instead of ~0.12 s).
    public static let formatVersion: UInt32 = 3

    public static func write(_ model: CodingModel, to path: String) throws {
        let sink = try ByteSink(path: path)
        try sink.write(encode(model))
        try sink.close()
    }

    /// The model as the bytes of a model file (what `write` stores; a registry keeps these bytes).
    public static func encode(_ model: CodingModel) -> [UInt8] {
        var arrays: [(name: String, type: String, bytes: [UInt8])] = []
        func add(_ name: String, _ values: [Float]) {
            arrays.append((name, "f32", values.withUnsafeBytes { Array($0) }))
        }
        add("vocabulary.idf", model.vocabulary.idf)
        arrays.append(
            ("vocabulary.hashes", "u64", model.vocabulary.hashes.map { $0.littleEndian }.withUnsafeBytes { Array($0) }))
        arrays.append(("vocabulary.character", "u8", model.vocabulary.isCharacter.map { $0 ? 1 : 0 }))
        if model.features.headFeatures {
            arrays.append(("vocabulary.head", "u8", model.vocabulary.isHead.map { $0 ? 1 : 0 }))
        }
        if let ft = model.fastText {
            add("fasttext.input", ft.input)
            add("fasttext.output", ft.output)
        }
        if let lin = model.linear {
            add("linear.weights", lin.weights)
            add("linear.bias", lin.bias)
        }
        // The coding index in text order, so that one model gives one file.
        var texts: [UInt8] = []
        var ends: [UInt64] = []
        var indexClasses: [UInt64] = []
        for (text, c) in model.index.sorted(by: { $0.key < $1.key }) {
            texts += text.utf8
            ends.append(UInt64(texts.count).littleEndian)
            indexClasses.append(UInt64(c).littleEndian)
        }
        arrays.append(("index.text", "u8", texts))
        arrays.append(("index.end", "u64", ends.withUnsafeBytes { Array($0) }))
        arrays.append(("index.class", "u64", indexClasses.withUnsafeBytes { Array($0) }))

        var header = JSONObject()
        header["kind"] = "statml-coding-model"
        header["format"] = .number(Double(formatVersion))
        header["statml_version"] = .string(model.info.statmlVersion)
        header["algorithm"] = .string(model.info.algorithm.rawValue)
        header["classes"] = .array(model.classes.map { .string($0) })
        header["class_counts"] = .array(model.classCounts.map { .number(Double($0)) })
        header["training"] = [
            "rows": .number(Double(model.info.trainingRows)), "data_sha256": .string(model.info.trainingDataHash),
            "provenance": model.info.provenance,
        ]
        header["validation"] = model.info.validation
        header["target_precision"] = model.info.targetPrecision.map { .number($0) } ?? .null
        header["threshold"] = model.threshold.map { .number($0) } ?? .null
        header["class_thresholds"] = .array(model.classThresholds.map { $0.map { .number($0) } ?? .null })
        header["normalizer"] = [
            "fold_diacritics": .bool(model.normalizer.foldDiacritics),
            "stop_words": .array(model.normalizer.stopWords.sorted().map { .string($0) }),
            "units": .array(model.normalizer.units.sorted().map { .string($0) }),
        ]
        header["features"] = [
            "word_ngrams": .number(Double(model.features.wordNgrams)),
            "min_char_n": .number(Double(model.features.minCharN)),
            "max_char_n": .number(Double(model.features.maxCharN)),
            "head_features": .bool(model.features.headFeatures),
            "character_tf": .string(model.vocabulary.characterTermFrequency.rawValue),
        ]
        header["calibration"] = [
            "fasttext_temperature": .number(Double(model.fastTextCalibration.temperature)),
            "linear_temperature": .number(Double(model.linearCalibration.temperature)),
            "final_temperature": .number(Double(model.finalCalibration.temperature)),
            "ensemble_weight": .number(Double(model.ensembleWeight)),
            "margin_slope": model.marginCalibration.map { .number($0.slope) } ?? .null,
            "margin_intercept": model.marginCalibration.map { .number($0.intercept) } ?? .null,
        ]
        if let ft = model.fastText {
            header["fasttext"] = ["dimension": .number(Double(ft.dimension)), "loss": .string(ft.loss.rawValue)]
        }
        if let hierarchy = model.hierarchy {
            header["hierarchy"] = .array(
                hierarchy.nodes.map {
                    .array([.string($0.code), $0.parent.map { .string($0) } ?? .null, .string($0.label)])
                })
        }
        header["index_entries"] = .number(Double(model.indexCount))
        header["arrays"] = .array(
            arrays.map {
                ["name": .string($0.name), "type": .string($0.type), "bytes": .number(Double($0.bytes.count))]
            })

        let headerBytes = Array(header.serializedJSON().utf8)
        var out = magic
        appendLittleEndian(formatVersion, to: &out)
        appendLittleEndian(UInt32(headerBytes.count), to: &out)
        out += headerBytes
        for a in arrays { out += a.bytes }
        out += SHA256.hash(out)
        return out
    }

    /// Reads a model file. Each array goes from the file straight into its typed storage, checksummed on
    /// the way: no whole-file buffer, and no second copy of the tens of MB of weights.
    public static func read(path: String) throws -> CodingModel {
        let file = try open(path)
        defer { fclose(file) }
        var info = stat()
        guard fstat(fileno(file), &info) == 0 else { throw StatMLError.io("cannot read \(path)") }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw StatMLError.io("\(path) is a directory, not a model file")
        }
        // A pipe or a device has no size to go by: read it whole first.
        guard info.st_mode & S_IFMT == S_IFREG else { return try decode(readAll(file, name: path), name: path) }
        var source = Source(name: path, size: Int(info.st_size)) { buffer in
            let n = fread(buffer.baseAddress!, 1, buffer.count, file)
            if n < buffer.count && ferror(file) != 0 { throw StatMLError.io("cannot read \(path)") }
            return n
        }
        return try decode(&source)
    }

    /// Reads a model from the bytes of a model file; `name` says where they came from in error messages.
    public static func decode(_ bytes: [UInt8], name: String) throws -> CodingModel {
        try bytes.withUnsafeBytes { all in
            var position = 0
            var source = Source(name: name, size: all.count) { buffer in
                let n = min(buffer.count, all.count - position)
                if n > 0 { buffer.baseAddress!.copyMemory(from: all.baseAddress! + position, byteCount: n) }
                position += n
                return n
            }
            return try decode(&source)
        }
    }

    /// A model file's bytes, read once from start to end and hashed as they pass.
    struct Source {
        let name: String
        /// The whole file's length, checksum included.
        let size: Int
        /// Fills as much of the buffer as there is; 0 at the end.
        let fill: (UnsafeMutableRawBufferPointer) throws -> Int
        private(set) var position = 0
        private var hasher = SHA256()

        init(name: String, size: Int, fill: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
            self.name = name
            self.size = size
            self.fill = fill
        }

        /// The bytes before the checksum that are not read yet.
        var bodyLeft: Int { size - 32 - position }

        func corrupt(_ what: String) -> StatMLError {
            StatMLError(.incompatible, "\(name) is not a valid StatML coding model: \(what)")
        }

        /// Reads exactly `buffer.count` bytes, hashing them unless they are the checksum.
        mutating func read(into buffer: UnsafeMutableRawBufferPointer, hash: Bool = true) throws {
            var done = 0
            while done < buffer.count {
                let n = try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
                // A file shorter than its size said (it shrank while read) fails the checksum.
                guard n > 0 else { throw corrupt("its checksum does not match (the file is damaged or truncated)") }
                done += n
            }
            if hash { hasher.update(UnsafeRawBufferPointer(buffer)) }
            position += buffer.count
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try read(into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
        }

        /// Reads `byteCount` bytes as `T`s (little-endian, as this machine: x86-64 and ARM64).
        mutating func array<T: BitwiseCopyable>(of _: T.Type, byteCount: Int) throws -> [T] {
            // Weight matrices are read at random rows for every text: huge pages (`HugePages`).
            try HugePages.array(count: byteCount / MemoryLayout<T>.stride) { buffer in
                try read(into: UnsafeMutableRawBufferPointer(buffer))
            }
        }

        /// Hashes the rest of the body and compares the digest with the file's checksum.
        mutating func verify() throws {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while bodyLeft > 0 {
                let n = min(chunk.count, bodyLeft)
                try chunk.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n])) }
            }
            let stored = try [UInt8](unsafeUninitializedCapacity: 32) { buffer, initialized in
                try read(into: UnsafeMutableRawBufferPointer(buffer), hash: false)
                initialized = 32
            }
            guard hasher.finalize() == stored else {
                throw corrupt("its checksum does not match (the file is damaged or truncated)")
            }
        }
    }

    /// An array of the file, in the type its directory gives.
    enum Payload {
        case bytes([UInt8])
        case floats([Float])
        case words([UInt64])
    }

    static func decode(_ source: inout Source) throws -> CodingModel {
        let path = source.name
        func corrupt(_ what: String) -> StatMLError { source.corrupt(what) }
        let signature = "it does not start with the StatML model signature (is it a model file?)"
        guard source.size >= 16 + 32 else { throw corrupt(signature) }
        let prefix = try source.bytes(16)
        guard Array(prefix[0..<8]) == magic else { throw corrupt(signature) }
        let format = readLittleEndian(prefix, at: 8)
        guard format <= formatVersion else {
            throw StatMLError(
                .incompatible,
                "\(path) was written in model format \(format) by a newer StatML; this StatML \(StatMLVersion.current) reads format \(formatVersion) and older: upgrade StatML to use it"
            )
        }

        // The header and the arrays. Until the checksum is checked, a failure here may come from a
        // damaged file: then the checksum's message is the one to give.
        var header = JSONValue.null
        var arrays: [String: Payload] = [:]
        do {
            let headerLength = Int(readLittleEndian(prefix, at: 12))
            guard headerLength <= source.bodyLeft else { throw corrupt("the header runs past the end of the file") }
            header = try JSONValue.parse(try source.bytes(headerLength))
            guard header["kind"]?.stringValue == "statml-coding-model" else {
                throw corrupt("it holds another kind of model")
            }
            for entry in header["arrays"]?.arrayValue ?? [] {
                guard let name = entry["name"]?.stringValue, let n = entry["bytes"]?.intValue, n >= 0,
                    n <= source.bodyLeft
                else { throw corrupt("its array directory is inconsistent") }
                switch entry["type"]?.stringValue {
                case "f32" where n % 4 == 0: arrays[name] = .floats(try source.array(of: Float.self, byteCount: n))
                case "u64" where n % 8 == 0: arrays[name] = .words(try source.array(of: UInt64.self, byteCount: n))
                default: arrays[name] = .bytes(try source.bytes(n))
                }
            }
        } catch {
            try source.verify()
            throw error
        }
        try source.verify()

        func floats(_ name: String) throws -> [Float] {
            switch arrays[name] {
            case .floats(let values): return values
            case .bytes(let raw) where raw.count % 4 == 0:
                return raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            default: throw corrupt("array \(name) is missing")
            }
        }
        func bytes(_ name: String) -> [UInt8]? {
            if case .bytes(let raw) = arrays[name] { return raw }
            return nil
        }
        func number(_ v: JSONValue?, _ what: String) throws -> Double {
            guard let d = v?.doubleValue else { throw corrupt("\(what) is missing") }
            return d
        }
        func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

        guard let algorithm = header["algorithm"]?.stringValue.flatMap(CodingAlgorithm.init(rawValue:)) else {
            throw corrupt("the algorithm is missing")
        }
        let classes = strings(header["classes"])
        guard classes.count >= 2 else { throw corrupt("it has fewer than two classes") }
        let classCounts = header["class_counts"]?.arrayValue?.compactMap(\.intValue) ?? []
        func words(_ name: String) -> [UInt64]? {
            switch arrays[name] {
            case .words(let words): return words.map { UInt64(littleEndian: $0) }
            case .bytes(let raw) where raw.count % 8 == 0:
                return raw.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)).map { UInt64(littleEndian: $0) } }
            default: return nil
            }
        }
        guard let hashes = words("vocabulary.hashes") else { throw corrupt("the vocabulary is missing") }
        guard let charRaw = bytes("vocabulary.character") else { throw corrupt("the vocabulary is missing") }
        let characterTF: FeatureVocabulary.TermFrequency
        if let name = header["features"]?["character_tf"]?.stringValue {
            guard let tf = FeatureVocabulary.TermFrequency(rawValue: name) else {
                throw corrupt("features.character_tf is \"\(name)\", not \"raw\" or \"sublinear\"")
            }
            characterTF = tf
        } else {
            guard format <= 2 else { throw corrupt("features.character_tf is missing") }
            characterTF = .sublinear
        }
        let vocabulary = try FeatureVocabulary(
            hashes: hashes, isCharacter: charRaw.map { $0 != 0 },
            isHead: bytes("vocabulary.head").map { $0.map { $0 != 0 } },
            idf: floats("vocabulary.idf"), characterTermFrequency: characterTF)

        let normalizerJSON = header["normalizer"]
        let normalizer = TextNormalizer(
            foldDiacritics: normalizerJSON?["fold_diacritics"]?.boolValue ?? false,
            stopWords: Set(strings(normalizerJSON?["stop_words"])), units: Set(strings(normalizerJSON?["units"])))
        let featuresJSON = header["features"]
        let features = FeatureSpec(
            wordNgrams: Int(try number(featuresJSON?["word_ngrams"], "word_ngrams")),
            minCharN: Int(try number(featuresJSON?["min_char_n"], "min_char_n")),
            maxCharN: Int(try number(featuresJSON?["max_char_n"], "max_char_n")),
            headFeatures: featuresJSON?["head_features"]?.boolValue ?? false)

        var fastText: FastTextClassifier?
        if algorithm != .linear {
            guard let loss = header["fasttext"]?["loss"]?.stringValue.flatMap(FastTextClassifier.Loss.init(rawValue:)),
                classCounts.count == classes.count
            else { throw corrupt("the fastText settings are missing") }
            fastText = try FastTextClassifier(
                classCount: classes.count, dimension: Int(try number(header["fasttext"]?["dimension"], "dimension")),
                loss: loss, input: floats("fasttext.input"), output: floats("fasttext.output"), classCounts: classCounts
            )
            guard fastText!.input.count == vocabulary.count * fastText!.dimension else {
                throw corrupt("fastText input weights do not match the vocabulary")
            }
        }
        var linear: LinearSVM?
        if algorithm != .fasttext {
            linear = try LinearSVM(
                classCount: classes.count, featureCount: vocabulary.count, weights: floats("linear.weights"),
                bias: floats("linear.bias"))
        }
        let calibration = header["calibration"]
        var hierarchy: Hierarchy?
        if let nodes = header["hierarchy"]?.arrayValue {
            hierarchy = try Hierarchy(
                nodes: nodes.map {
                    Hierarchy.Node(
                        code: $0[0]?.stringValue ?? "", parent: $0[1]?.stringValue, label: $0[2]?.stringValue ?? "")
                })
        }
        let index: CodingIndexTable
        if format >= 3 {
            guard let texts = bytes("index.text"), let ends = words("index.end"), let owners = words("index.class"),
                let table = CodingIndexTable(texts: texts, ends: ends, classes: owners, classCount: classes.count)
            else { throw corrupt("the coding index is inconsistent") }
            index = table
        } else {
            var entries: [String: Int32] = [:]
            for entry in header["index"]?.arrayValue ?? [] {
                guard let text = entry[0]?.stringValue, let c = entry[1]?.intValue, classes.indices.contains(c) else {
                    throw corrupt("the coding index is inconsistent")
                }
                entries[text] = Int32(c)
            }
            index = CodingIndexTable(entries)
        }
        let training = header["training"]
        let info = CodingModelInfo(
            statmlVersion: header["statml_version"]?.stringValue ?? "unknown", algorithm: algorithm,
            trainingRows: training?["rows"]?.intValue ?? 0,
            trainingDataHash: training?["data_sha256"]?.stringValue ?? "",
            targetPrecision: header["target_precision"]?.doubleValue, validation: header["validation"] ?? .null,
            provenance: training?["provenance"] ?? .null)
        let classThresholds = (header["class_thresholds"]?.arrayValue ?? []).map(\.doubleValue)
        return CodingModel(
            info: info, classes: classes, normalizer: normalizer, features: features, vocabulary: vocabulary,
            fastText: fastText, linear: linear,
            fastTextCalibration: TemperatureScaling(
                temperature: Float(try number(calibration?["fasttext_temperature"], "calibration"))),
            linearCalibration: TemperatureScaling(
                temperature: Float(try number(calibration?["linear_temperature"], "calibration"))),
            ensembleWeight: Float(try number(calibration?["ensemble_weight"], "calibration")),
            finalCalibration: TemperatureScaling(
                temperature: Float(try number(calibration?["final_temperature"], "calibration"))),
            marginCalibration: calibration?["margin_slope"]?.doubleValue.flatMap { slope in
                calibration?["margin_intercept"]?.doubleValue.map { MarginCalibration(slope: slope, intercept: $0) }
            },
            threshold: header["threshold"]?.doubleValue,
            classThresholds: classThresholds.count == classes.count
                ? classThresholds : [Double?](repeating: nil, count: classes.count),
            index: index, hierarchy: hierarchy, classCounts: classCounts)
    }

    static func appendLittleEndian(_ v: UInt32, to out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    static func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    private static func open(_ path: String) throws -> UnsafeMutablePointer<FILE> {
        guard let file = fopen(path, "rb") else {
            let code = errno
            if code == ENOENT { throw StatMLError.notFound("no such model file: \(path)") }
            throw StatMLError.io("cannot open \(path): \(String(cString: strerror(code)))")
        }
        return file
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let file = try open(path)
        defer { fclose(file) }
        return try readAll(file, name: path)
    }

    /// The rest of an open file (a pipe is read from where it is, never opened a second time).
    private static func readAll(_ file: UnsafeMutablePointer<FILE>, name path: String) throws -> [UInt8] {
        // One allocation of the file's size and one read: a model is tens of MB, and growing an array
        // chunk by chunk copied it several times (a quarter of `statml code predict`'s start-up).
        var info = stat()
        let size = fstat(fileno(file), &info) == 0 ? Int(info.st_size) : 0
        var bytes = [UInt8](repeating: 0, count: size)
        let n = bytes.withUnsafeMutableBytes { fread($0.baseAddress!, 1, size, file) }
        if n < size {
            if ferror(file) != 0 { throw StatMLError.io("cannot read \(path)") }
            bytes.removeLast(size - n)
        }
        // Anything past the size fstat gave (a file still growing, or no size at all).
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let m = fread(&chunk, 1, chunk.count, file)
            if m > 0 { bytes.append(contentsOf: chunk[0..<m]) }
            if m < chunk.count {
                if ferror(file) != 0 { throw StatMLError.io("cannot read \(path)") }
                break
            }
        }
        return bytes
    }
}

extension JSONObject {
    func serializedJSON() -> String { JSONValue.object(self).serialized() }
}
