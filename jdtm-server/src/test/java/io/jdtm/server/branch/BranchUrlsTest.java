package io.jdtm.server.branch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jdtm.server.branch.BranchUrls.Destination;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which branch URLs and headers are stored, and how the refusals read. */
class BranchUrlsTest {

    /** Escapes in the tables' inputs: \r \n \t \0 stand for the control characters (messages show them so). */
    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0");
    }

    private static String nullIfAny(String protocol) {
        return protocol.equals("any") ? null : protocol;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        http     | http://127.0.0.1:8080/api/TransOut            | http  | 127.0.0.1         | 8080
        http     | https://svc.corp.example/a/b?x=1&y=%20z       | https | svc.corp.example  | 443
        http     | http://[::1]:8080/x                           | http  | ::1               | 8080
        http     | http://[0:0:0:0:0:0:0:1]/x                    | http  | ::1               | 80
        http     | HTTP://Svc.Example/x                          | http  | svc.example       | 80
        http     | http://svc.example./x                         | http  | svc.example       | 80
        http     | http://h/p#fragment                           | http  | h                 | 80
        http     | http://h/caf%C3%A9?q=%0D%0A                   | http  | h                 | 80
        http     | http://xn--caf-dma.example/x                  | http  | xn--caf-dma.example | 80
        json-rpc | http://localhost:8081/api/busi?method=TransIn | http  | localhost         | 8081
        ""       | http://localhost/x                            | http  | localhost         | 80
        grpc     | localhost:8081/busi.Busi/TransOut             | grpc  | localhost         | 8081
        grpc     | 127.0.0.1:50051/pkg.sub.Svc/Method_1          | grpc  | 127.0.0.1         | 50051
        grpc     | [::1]:50051/busi.Busi/TransOut                | grpc  | ::1               | 50051
        grpc     | http://h:1/x                                  | http  | h                 | 1
        grpc     | https://h/x                                   | https | h                 | 443
        any      | localhost:8081/workflow.Workflow/Execute      | grpc  | localhost         | 8081
        any      | http://h:1/x                                  | http  | h                 | 1
        """)
    void accepted(String protocol, String url, String scheme, String host, int port) {
        assertThat(BranchUrls.parse(url, nullIfAny(protocol))).isEqualTo(new Destination(scheme, host, port));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        http | http://x y/\\r\\nfoo                          | 'http://x y/\\r\\nfoo' has a space at position 8
        http | http://h/a\\r\\nX-Injected: 1                  | has control character U+000D at position 10
        http | http://h/a\\nb                                | has control character U+000A at position 10
        http | http://h/\\0                                  | has control character U+0000 at position 9
        http | http://h/\\ta                                 | has control character U+0009 at position 9
        http | http://h/a\u007fb                             | has control character U+007F at position 10
        http | http://café.example/                         | has non-ASCII character U+00E9 at position 10
        http | http://h/café                                | write host names in their ASCII (xn--) form
        http | http://user:pw@h/x                           | carries user info
        http | http://user@h/x                              | carries user info
        http | ftp://h/x                                    | has scheme 'ftp'
        http | topic://orders                               | has scheme 'topic'
        http | localhost:8081/busi.Busi/TransOut            | has scheme 'localhost'
        http | /relative/path                               | is not an http(s) URL
        http | http:///x                                    | has no host
        http | http://my_service:8080/x                     | is not a host name or IP address
        http | http://-bad-.example/x                       | is not a host name or IP address
        http | http://h:0/x                                 | has port 0, outside 1-65535
        http | http://h:99999/x                             | has port 99999, outside 1-65535
        http | http://[::1/x                                | is not a valid URL
        http | http://h/%zz                                 | is not a valid URL
        grpc | localhost:8081                               | no '/' found
        grpc | etcd://127.0.0.1:2379/busi/busi.Busi/Trans   | has scheme 'etcd': branch URLs are http(s) URLs or gRPC targets
        grpc | etcd://127.0.0.1:2379/busi/busi.Busi/Trans   | a scheme:// gRPC target needs a service-discovery driver
        grpc | dns:///localhost:50051/busi.Busi/TransOut    | has scheme 'dns'
        grpc | HTTP://h/x                                   | has scheme 'HTTP'
        any  | gopher://h/x                                 | has scheme 'gopher'
        http | gopher://h/x                                 | has scheme 'gopher': branch URLs are http(s) URLs or gRPC
        grpc | localhost/busi.Busi/TransOut                 | has no port in its dial target 'localhost'
        grpc | ::1:50051/busi.Busi/TransOut                 | that is not host:port
        grpc | localhost:99999/busi.Busi/TransOut           | that is not host:port
        grpc | localhost:0/busi.Busi/TransOut               | has port 0
        grpc | localhost:8081/busi.Busi/Trans/Out           | is not a gRPC target
        grpc | localhost:8081/                              | is not a gRPC target
        grpc | /busi.Busi/TransOut                          | is not a gRPC target
        grpc | my_host:8081/a.B/C                           | is not a host name or IP address
        grpc | localhost:8081/busi.Busi/TransOut\\r\\n        | has control character U+000D
        grpc | localhost:8081/busi.Busi/Trans Out           | has a space
        any  | topic://orders                               | has scheme 'topic'
        grpc | topic://orders                               | has scheme 'topic'
        """)
    void refused(String protocol, String url, String message) {
        assertThatThrownBy(() -> BranchUrls.parse(unescape(url), nullIfAny(protocol)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageStartingWith("'");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        http | X-Tenant      | acme
        http | Authorization | Bearer a.b c\\td
        http | Content-Type  | application/json
        http | x!y           | v
        grpc | X-Tenant      | acme
        grpc | trace-bin     | café\\0
        """)
    void headersAccepted(String protocol, String name, String value) {
        assertThatCode(() -> BranchUrls.checkHeader(name, unescape(value), protocol)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        http | X-A               | v\\r\\nX-B: 1 | header X-A has control character U+000D at position 1
        http | X-A               | v\\0          | header X-A has control character U+0000 at position 1
        http | X-A               | café         | header X-A has non-ASCII character U+00E9 at position 3
        http | trace-bin         | v\\n          | header trace-bin has control character U+000A
        http | X A               | v            | header name 'X A' is not a token
        http | X-A\\r\\nX-B        | v            | header name 'X-A\\r\\nX-B' is not a token
        http | ""                | v            | header name '' is not a token
        http | Content-Length    | 0            | header Content-Length is set by jdtm
        http | transfer-encoding | chunked      | header transfer-encoding is set by jdtm
        http | Host              | evil.example | header Host is set by jdtm
        http | Connection        | close        | header Connection is set by jdtm
        grpc | x!y               | v            | is not a gRPC metadata key
        grpc | grpc-timeout      | 1S           | is not a gRPC metadata key
        grpc | bad:key           | v            | is not a token
        """)
    void headersRefused(String protocol, String name, String value, String message) {
        assertThatThrownBy(() -> BranchUrls.checkHeader(unescape(name), unescape(value), protocol))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        http://h/p#frag   | http://h/p
        http://h/p?q=1#f  | http://h/p?q=1
        http://h/p        | http://h/p
        """)
    void theFragmentIsNeverSent(String url, String sent) {
        assertThat(BranchUrls.withoutFragment(url)).isEqualTo(sent);
    }
}
