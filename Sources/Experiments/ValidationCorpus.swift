import Foundation
import Quality
import WorkbenchCore

/// Reads the novels `workbench metrics validate` draws its chapters from.
public enum ValidationCorpus {
    /// Every `.txt` file directly in `folder` (hidden files aside), by name, as a novel named
    /// after the file. An empty folder, one without a .txt file, and a file that is binary,
    /// not UTF-8, empty, unreadable or not a regular file are errors naming the folder or the file (exit 65).
    public static func load(folder: String) throws -> [MetricsValidation.Novel] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw MetricsValidationError.missingFolder(folder) }
        guard isFolder.boolValue else { throw MetricsValidationError.missingFolder(folder) }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { throw MetricsValidationError.unreadable(folder) }
        let visible = entries.filter { !$0.hasPrefix(".") }.sorted()
        guard !visible.isEmpty else { throw MetricsValidationError.emptyFolder(folder) }
        let novels = visible.filter { $0.lowercased().hasSuffix(".txt") && $0.count > 4 }
        guard !novels.isEmpty else { throw MetricsValidationError.noNovels(folder: folder, others: visible.count) }
        return try novels.map { file in
            let path = folder.hasSuffix("/") ? folder + file : folder + "/" + file  // as the user wrote the folder
            // Only regular files (through symlinks): a FIFO named *.txt would block the read forever.
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
            guard type == .typeRegular else { throw MetricsValidationError.notAFile(path) }
            guard let data = FileManager.default.contents(atPath: path) else { throw MetricsValidationError.unreadable(path) }
            let text = try TextInput.decode([UInt8](data), source: path)
            return MetricsValidation.Novel(name: String(file.dropLast(4)), source: path, text: text)
        }
    }
}
