import Foundation
import PlumbModel

/// A desired-state document kept in a file (`plumb-agent apply FILE`, `plumb-agent plan --file FILE`).
enum DesiredStateFile {
    /// Reads and decodes the document; a bad file ends the agent with exit code 65 naming the field.
    static func load(_ path: String) throws -> HostDesiredState {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AgentExit(code: .badDocument, message: "cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try PlumbJSON.decode(HostDesiredState.self, from: data)
        } catch let error as APIError {
            throw AgentExit(code: .badDocument, message: "\(path) is not a desired-state document: \(error)")
        }
    }
}
