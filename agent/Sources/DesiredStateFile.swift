import Foundation
import PlumbModel

/// A desired-state document kept in a file (`plumb-agent apply FILE`, `plumb-agent plan --file FILE`,
/// `plumb-agent leaf apply FILE`).
enum DesiredStateFile {
    /// Reads and decodes the document; a bad file ends the agent with exit code 65 naming the field.
    static func load<Document: Decodable>(_ path: String, as type: Document.Type = HostDesiredState.self) throws -> Document {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AgentExit(code: .badDocument, message: "cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try PlumbJSON.decode(Document.self, from: data)
        } catch let error as APIError {
            throw AgentExit(code: .badDocument, message: "\(path) is not a desired-state document: \(error)")
        }
    }
}
