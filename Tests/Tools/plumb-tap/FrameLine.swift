import Foundation

/// One frame as a JSON line: `{"event":"received","tap":..,"src":..,"dst":..,"ethertype":"0x88b5","plumb":true,"payload":..}`.
/// `plumb` is true for frames plumb-tap sent (then `payload` is their text) and false for anything else
/// (then `length` is the payload's size in bytes).
enum FrameLine {
    static func json(_ frame: EthernetFrame, tap: String, text: String?, event: String) -> String {
        var object: [String: Any] = [
            "event": event,
            "tap": tap,
            "src": frame.source.description,
            "dst": frame.destination.description,
            "ethertype": String(format: "0x%04x", frame.etherType),
            "plumb": text != nil,
        ]
        if let text { object["payload"] = text } else { object["length"] = frame.payload.count }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])  // only strings, numbers, booleans
        return String(decoding: data, as: UTF8.self)
    }
}
