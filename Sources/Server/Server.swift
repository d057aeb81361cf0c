/// The HTTP JSON API and the pages it serves (issue #5).
public enum Server {}
