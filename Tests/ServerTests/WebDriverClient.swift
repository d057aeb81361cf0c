import Foundation
import Glibc
import StatMLCore

/// Where the Debian packages `chromium` and `chromium-driver` install the browser and its driver.
enum BrowserTools {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// Whether both are installed; browser tests are skipped, not failed, without them.
    static var areInstalled: Bool {
        access(chromium, X_OK) == 0 && access(chromedriver, X_OK) == 0
    }
}

struct WebDriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The W3C WebDriver key codes for keys that have no character (WebDriver §17.4.2, "Keyboard actions").
enum WebDriverKey {
    static let enter = "\u{E007}"
    static let escape = "\u{E00C}"
    static let arrowUp = "\u{E013}"
    static let arrowDown = "\u{E015}"
}

/// An element reference a session returned.
struct WebElement: Hashable {
    /// The element's reference in the session.
    let id: String
    /// The key under which the W3C protocol wraps an element reference.
    static let identifierKey = "element-6066-11e4-a52e-4f735466cecf"
}

/// A `chromedriver` child process listening on a loopback port.
///
/// It runs in a process group of its own, which the browsers it starts join: `stop()` ends the whole
/// group by the driver's id (SIGTERM, then SIGKILL), reaps the driver, and removes the directory that
/// held the browsers' temporary profiles, so that no process or file outlives the test even when the
/// session could not be closed. A driver that was not stopped is stopped when it is released.
final class ChromeDriverProcess {
    let port: UInt16
    /// Everything the driver and its browsers write: the driver's log and Chromium's profiles.
    let directory: String
    private(set) var pid: pid_t = 0

    var logPath: String { directory + "/chromedriver.log" }

    /// Starts chromedriver and waits until it answers `GET /status` as ready.
    init(executable: String = BrowserTools.chromedriver, readyTimeout: Duration = .seconds(10)) throws {
        port = try Self.freeLoopbackPort()
        var template = Array("/tmp/statml-webdriver-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw WebDriverError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        do {
            pid = try Self.spawn(
                [executable, "--port=\(port)", "--allowed-ips=127.0.0.1"], logPath: logPath,
                // Chromium's profiles go under TMPDIR, its crash-report database (Debian turns the reporter
                // on) under XDG_CONFIG_HOME: both inside `directory`, which `stop()` removes.
                environment: ["TMPDIR": directory, "XDG_CONFIG_HOME": directory, "XDG_CACHE_HOME": directory])
            try waitUntilReady(timeout: readyTimeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// The last lines the driver wrote, for error messages.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// Ends the driver and every browser process it started, waits for the driver, removes `directory`.
    func stop() {
        if pid > 0 {
            kill(-pid, SIGTERM)
            if !reap(within: .seconds(3)) {
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            // Browser processes orphaned by the driver's end are still in its group: end them too. The
            // group id cannot be reused while any of them lives, so this reaches only our processes.
            kill(-pid, SIGKILL)
            pid = 0
        }
        if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// True when the driver exited within `timeout` (and was reaped).
    private func reap(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status: Int32 = 0
        repeat {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) { return true }
            usleep(20_000)
        } while ContinuousClock.now < deadline
        return false
    }

    private func waitUntilReady(timeout: Duration) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                throw WebDriverError("chromedriver exited while starting (status \(status)):\n\(logTail)")
            }
            let client = HTTPTestClient(port: port, receiveTimeoutSeconds: 2)
            if let response = try? client.request(path: "/status"),
                (try? JSONValue.parse(response.body))?["value"]?["ready"] == .bool(true)
            {
                return
            }
            usleep(20_000)
        }
        throw WebDriverError("chromedriver on port \(port) was not ready within \(timeout):\n\(logTail)")
    }

    /// A port no one listens on now: the kernel's pick for a socket bound to port 0, then closed.
    private static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw WebDriverError("bind: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Starts `arguments[0]` in a new process group with stdin from /dev/null and stdout and stderr to
    /// `logPath`, the default signal mask and dispositions (the test process may block or ignore some),
    /// and the current environment with `environment` laid over it.
    private static func spawn(_ arguments: [String], logPath: String, environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw WebDriverError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }
}

/// A minimal W3C WebDriver client (https://www.w3.org/TR/webdriver2/) for one headless Chromium
/// session: navigate, find elements by CSS selector, click, type, press keys, read text, run scripts.
/// Blocking, over one keep-alive loopback connection to its own chromedriver; use it from one thread.
///
/// Use `withBrowser { browser in ... }`: it closes the session and stops the driver however the body
/// ends.
final class WebDriverSession {
    let driver: ChromeDriverProcess
    private let client: HTTPTestClient
    private(set) var sessionID: String?

    /// Arguments for Chromium in a container as root: no sandbox (it needs user namespaces), no GPU,
    /// and /tmp rather than a small /dev/shm for shared memory.
    static let chromiumArguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

    init(driver: ChromeDriverProcess, windowSize: (width: Int, height: Int) = (1280, 900)) throws {
        self.driver = driver
        client = HTTPTestClient(port: driver.port, receiveTimeoutSeconds: 60)
        let arguments = Self.chromiumArguments + ["--window-size=\(windowSize.width),\(windowSize.height)"]
        let options: JSONValue = [
            "binary": .string(BrowserTools.chromium), "args": .array(arguments.map(JSONValue.string)),
        ]
        let capabilities: JSONValue = [
            "capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]
        ]
        let value = try command("POST", "/session", capabilities)
        guard let id = value["sessionId"]?.stringValue else {
            throw WebDriverError("new session: no sessionId in \(value.serialized())")
        }
        sessionID = id
    }

    deinit { close() }

    /// Deletes the session, which quits the browser. Safe to call twice.
    func close() {
        guard let id = sessionID else { return }
        sessionID = nil
        _ = try? command("DELETE", "/session/\(id)")
    }

    // MARK: Navigation and scripts

    func navigate(to url: String) throws {
        try sessionCommand("POST", "/url", ["url": .string(url)])
    }

    var currentURL: String {
        get throws { try sessionCommand("GET", "/url").stringValue ?? "" }
    }

    /// Runs `script` as the body of a function in the page (`arguments[i]` are `arguments`) and returns
    /// its JSON result.
    @discardableResult
    func execute(_ script: String, _ arguments: [JSONValue] = []) throws -> JSONValue {
        try sessionCommand("POST", "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// A PNG of the viewport, for looking at a page while writing a test.
    func screenshot() throws -> [UInt8] {
        let base64 = try sessionCommand("GET", "/screenshot").stringValue ?? ""
        guard let png = Data(base64Encoded: base64) else { throw WebDriverError("screenshot: not base64") }
        return Array(png)
    }

    // MARK: Elements

    func findElement(_ css: String) throws -> WebElement {
        let value = try sessionCommand("POST", "/element", ["using": "css selector", "value": .string(css)])
        return try Self.element(from: value)
    }

    func findElements(_ css: String) throws -> [WebElement] {
        let value = try sessionCommand("POST", "/elements", ["using": "css selector", "value": .string(css)])
        return try (value.arrayValue ?? []).map(Self.element(from:))
    }

    func click(_ element: WebElement) throws {
        try sessionCommand("POST", "/element/\(element.id)/click", [:])
    }

    func click(_ css: String) throws { try click(findElement(css)) }

    /// Focuses `element` and types `text` into it (`WebDriverKey` codes included).
    func sendKeys(_ text: String, to element: WebElement) throws {
        try sessionCommand("POST", "/element/\(element.id)/value", ["text": .string(text)])
    }

    func sendKeys(_ text: String, to css: String) throws { try sendKeys(text, to: findElement(css)) }

    func clear(_ css: String) throws {
        try sessionCommand("POST", "/element/\(try findElement(css).id)/clear", [:])
    }

    /// The element's rendered text, as a user sees it (empty for a hidden element).
    func text(_ css: String) throws -> String {
        try sessionCommand("GET", "/element/\(try findElement(css).id)/text").stringValue ?? ""
    }

    /// Presses and releases each key of `keys` in turn, sent to whatever has the focus, as a user
    /// typing would (unlike `sendKeys`, it does not move the focus first).
    func pressKeys(_ keys: String) throws {
        var actions: [JSONValue] = []
        for key in keys.unicodeScalars {
            actions.append(["type": "keyDown", "value": .string(String(key))])
            actions.append(["type": "keyUp", "value": .string(String(key))])
        }
        let keyboard: JSONValue = ["type": "key", "id": "keyboard", "actions": .array(actions)]
        try sessionCommand("POST", "/actions", ["actions": [keyboard]])
    }

    // MARK: Waiting

    /// Polls `condition` every 25 ms until it is true; throws naming `description` after `timeout`.
    /// An error `condition` throws (an element not there yet) counts as false until the deadline.
    func waitUntil(
        _ description: @autoclosure () -> String, timeout: Duration = .seconds(5), _ condition: () throws -> Bool
    ) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var lastError: (any Error)?
        while true {
            do {
                if try condition() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            guard ContinuousClock.now < deadline else { break }
            usleep(25_000)
        }
        let cause = lastError.map { " (last error: \($0))" } ?? ""
        throw WebDriverError("timed out after \(timeout) waiting until \(description())\(cause)")
    }

    // MARK: Protocol

    @discardableResult
    private func sessionCommand(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue {
        guard let id = sessionID else { throw WebDriverError("the WebDriver session is closed") }
        return try command(method, "/session/\(id)\(path)", body)
    }

    /// Sends one command and returns the response's `value`; a WebDriver error becomes a
    /// `WebDriverError` with the driver's error code and message.
    @discardableResult
    private func command(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue {
        let bytes = body.map { Array($0.serialized().utf8) } ?? []
        let headers = body == nil ? [:] : ["Content-Type": "application/json; charset=utf-8"]
        let response = try client.request(method: method, path: path, headers: headers, body: bytes)
        let value = (try? JSONValue.parse(response.body))?["value"] ?? .null
        guard response.status == 200 else {
            let error = value["error"]?.stringValue ?? "HTTP \(response.status)"
            let message = value["message"]?.stringValue ?? response.text
            throw WebDriverError("\(method) \(path): \(error): \(message.prefix(600))")
        }
        return value
    }

    private static func element(from value: JSONValue) throws -> WebElement {
        guard let id = value[WebElement.identifierKey]?.stringValue else {
            throw WebDriverError("not an element reference: \(value.serialized())")
        }
        return WebElement(id: id)
    }
}

/// Runs `body` with a new headless Chromium session on a chromedriver of its own; the session is
/// deleted and the driver (with every browser process) stopped however `body` ends.
func withBrowser<T>(_ body: (WebDriverSession) throws -> T) throws -> T {
    let driver = try ChromeDriverProcess()
    defer { driver.stop() }
    let session = try WebDriverSession(driver: driver)
    defer { session.close() }
    return try body(session)
}
