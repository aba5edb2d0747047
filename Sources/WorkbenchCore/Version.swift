/// The workbench's own version, recorded with every run and every database it creates.
public enum WorkbenchVersion {
    public static let current = "0.1.0"
}
