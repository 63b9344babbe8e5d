extension WireJSONWriter {
    /// A member with a string value; none when the value is nil (as Foundation leaves out a nil optional).
    public mutating func member(_ key: some CodingKey, _ value: String?) {
        guard let value else { return }
        self.key(key.stringValue)
        string(value)
    }

    /// A member with an integer value; none when the value is nil.
    public mutating func member(_ key: some CodingKey, _ value: Int?) {
        guard let value else { return }
        self.key(key.stringValue)
        integer(value)
    }

    public mutating func member(_ key: some CodingKey, _ value: Bool) {
        self.key(key.stringValue)
        bool(value)
    }

    public mutating func member(_ key: some CodingKey, _ values: [Int]) {
        self.key(key.stringValue)
        integers(values)
    }

    /// A member whose value is an array, each element written by `write`.
    public mutating func member<Element>(_ key: some CodingKey, _ elements: [Element],
                                         _ write: (Element, inout WireJSONWriter) -> Void) {
        self.key(key.stringValue)
        beginArray()
        for element in elements { write(element, &self) }
        endArray()
    }
}
