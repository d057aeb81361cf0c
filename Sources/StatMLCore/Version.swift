/// StatML's release version; written into every file StatML produces (models, reports).
public enum StatMLVersion {
    public static let current = "0.1.0"
}
