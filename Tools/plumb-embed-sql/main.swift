import Foundation

// plumb-embed-sql OUTPUT (FOLDER FILE)...
//
// Writes OUTPUT, a Swift file that defines `embeddedSQLFiles`: each FILE's name and exact text under
// its FOLDER, in the order given. Run by the EmbedSQL build-tool plugin; nothing else calls it.

/// `text` as a Swift string literal: escapes keep every character, whatever the file contains.
func literal(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first, arguments.count % 2 == 1 else {
    FileHandle.standardError.write(Data("usage: plumb-embed-sql OUTPUT (FOLDER FILE)...\n".utf8))
    exit(2)
}
var swift = """
    // Generated at build time by the EmbedSQL plugin (Tools/plumb-embed-sql) from sql/. Do not edit.

    let embeddedSQLFiles: [SQLFile] = [

    """
for index in stride(from: 1, to: arguments.count, by: 2) {
    let path = arguments[index + 1]
    let name = URL(fileURLWithPath: path).lastPathComponent
    let text = try String(contentsOfFile: path, encoding: .utf8)
    swift += "    SQLFile(folder: \(literal(arguments[index])), name: \(literal(name)), text: \(literal(text))),\n"
}
swift += "]\n"
try swift.write(toFile: output, atomically: true, encoding: .utf8)
