/// The shared coding service's storage and access control (issue #5).
public enum Platform {}
