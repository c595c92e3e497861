package io.jdtm.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jdtm.server.config.ServerConfig;
import io.jdtm.server.scenario.FakeRm.Reply;
import io.jdtm.server.store.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin UI in a real browser: Debian's chromium, headless, driven through chromedriver against a real server
 * with real transactions in each state. Screenshots go to {@code target/admin-ui/}. Under {@code CI=true} a missing
 * chromium fails the run; elsewhere it skips with the reason (install: {@code apt-get install -y chromium
 * chromium-driver}).
 */
class AdminUiBrowserTest extends ScenarioBase {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "admin-ui");
    private static WebDriver browser;
    private boolean auth;

    @BeforeAll
    static void startBrowser() throws IOException {
        Backends.requireThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver (/usr/bin; apt-get install -y chromium chromium-driver)");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--lang=en-GB");
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(svc, o);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Override
    protected ServerConfig config() {
        ServerConfig c = super.config();
        return auth ? c.with("Auth.AdminTokens", "s3cret-admin") : c;
    }

    @Override
    @org.junit.jupiter.api.BeforeEach
    void startServer(TestInfo info) {
        auth = info.getTestMethod().map(m -> m.getName().contains("Token")).orElse(false);
        super.startServer(info);
        browser.manage().deleteAllCookies();
    }

    private String base() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    private void open(String hash) {
        browser.get(base() + "/" + hash);
        if (!auth) {
            ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        }
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(15)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void waitForText(By by, String text) {
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    private List<String> listedGids() {
        return browser.findElements(By.cssSelector("tr.trans-row")).stream().map(e -> e.getAttribute("data-gid")).toList();
    }

    private void shot(String name) throws IOException {
        Path f = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(f, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A saga whose second action keeps failing with a 500: submitted, with attempts and a next try. */
    private String failingSaga(String gid) {
        rm.answer("/TransIn", Reply.of(500, "{\"error\":\"bank B is down\"}"));
        submit(with(transferSaga(gid), "wait_result", true));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/dtmsvr/attempts?gid=" + gid).json()
                .path("attempts").size() >= 2);
        return gid;
    }

    @Test
    void listFilterOpenAFailingSagaReadItsAttemptsAndForceStopIt() throws IOException {
        String p = gid() + "-";
        submit(with(transferSaga(p + "ok"), "wait_result", true));
        String bad = failingSaga(p + "bad");

        open("#/");
        waitFor(By.cssSelector("tr.trans-row"));
        assertThat(listedGids()).contains(p + "ok", bad);
        waitFor(By.cssSelector("#counts .count[data-status='submitted']"));
        assertThat(browser.findElement(By.cssSelector("#counts .count[data-status='submitted'] b")).getText()).isEqualTo("1");
        shot("list");

        new org.openqa.selenium.support.ui.Select(browser.findElement(By.name("status"))).selectByValue("submitted");
        browser.findElement(By.name("gidPrefix")).sendKeys(p);
        browser.findElement(By.id("apply")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> listedGids().equals(List.of(bad)));

        browser.findElement(By.cssSelector("a.gid-link")).click();
        waitForText(By.id("gid"), bad);
        WebElement failing = waitFor(By.cssSelector("tr.branch-row[data-branch='02/action']"));
        String attempts = failing.findElement(By.cssSelector("ul.attempts")).getText();
        assertThat(attempts).contains("#1", "ERROR", "500", "bank B is down", "next try");
        assertThat(failing.findElement(By.cssSelector("pre.payload")).getText()).contains("\"amount\": 30");
        assertThat(browser.findElement(By.cssSelector("tr.branch-row[data-branch='01/action'] ul.attempts")).getText())
                .contains("SUCCESS", "200");
        assertThat(browser.findElement(By.id("summary")).getText()).contains("submitted", "next try");
        shot("failing-saga");
        if (Boolean.getBoolean("jdtm.docs.screenshot")) { // refreshes the README's screenshot on request only
            Files.copy(SHOTS.resolve("failing-saga.png"), Path.of("..", "docs", "admin-ui.png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }

        browser.findElement(By.id("force-stop")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).accept();
        waitFor(By.id("notice"));
        waitForText(By.id("summary"), "failed");
        assertThat(status(bad)).isEqualTo("failed");
    }

    @Test
    void retryNowMakesAStuckTransactionDueAndTheNextRoundSucceeds() throws IOException {
        String bad = failingSaga(gid());
        for (int i = 0; i < 3; i++) { // backoff grows: it is "stuck" (3 retries) now
            clock.advance(Duration.ofHours(1));
            cron(0);
        }
        assertThat(status(bad)).isEqualTo("submitted");

        open("#/stuck");
        await().atMost(Duration.ofSeconds(10)).until(() -> listedGids().contains(bad));
        browser.findElement(By.cssSelector("tr.trans-row[data-gid='" + bad + "'] a")).click();
        waitFor(By.cssSelector("tr.branch-row[data-branch='02/action']"));
        rm.answer("/TransIn", Reply.SUCCESS);

        browser.findElement(By.id("retry-now")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).accept();
        waitFor(By.id("notice"));
        shot("retry-now");
        // due now: a poller round without any look-ahead takes it, and the branch now succeeds
        assertThat(cron(0)).isEqualTo(1);
        assertThat(status(bad)).isEqualTo("succeed");
        // the history is written asynchronously (within a few ms): wait for it, then reload the page
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/dtmsvr/attempts?gid=" + bad).json()
                .path("attempts").size() == 6);
        browser.findElement(By.id("reload")).click();
        waitForText(By.id("summary"), "succeed");
        assertThat(browser.findElement(By.cssSelector("tr.branch-row[data-branch='02/action'] ul.attempts")).getText())
                .contains("#5", "SUCCESS");
    }

    @Test
    void markupInAGidOrPayloadRendersAsText() throws IOException {
        String gid = "xss-" + gid() + "-<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>";
        Map<String, Object> saga = transferSaga(gid);
        saga.put("payloads", List.of("{\"note\":\"<script>window.__pwned=3</script>\"}", "<b onmouseover=x>bold</b>"));
        submit(with(saga, "wait_result", true));

        open("#/");
        waitFor(By.cssSelector("tr.trans-row"));
        assertThat(listedGids()).contains(gid);
        browser.findElement(By.cssSelector("a.gid-link")).click();
        waitForText(By.id("gid"), "<script>window.__pwned=1</script>");
        String page = browser.findElement(By.id("branches")).getText();
        assertThat(page).contains("<script>window.__pwned=3</script>", "<b onmouseover=x>bold</b>");
        var js = (org.openqa.selenium.JavascriptExecutor) browser;
        assertThat(js.executeScript("return window.__pwned === undefined")).isEqualTo(true);
        assertThat(js.executeScript("return document.querySelectorAll('#app script, #app img, #app b').length"))
                .isEqualTo(0L);
        shot("xss");
    }

    @Test
    void withAnAdminTokenTheUiAsksForItAndRefusesAWrongOne() throws IOException {
        api = api.withBearer("s3cret-admin");
        submit(with(transferSaga(gid()), "wait_result", true));
        browser.get(base() + "/#/");
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        waitFor(By.id("login"));
        assertThat(browser.findElements(By.cssSelector("tr.trans-row"))).isEmpty();

        browser.findElement(By.id("token")).sendKeys("wrong");
        browser.findElement(By.id("login-submit")).click();
        waitForText(By.id("login"), "token");
        assertThat(browser.findElements(By.cssSelector("tr.trans-row"))).isEmpty();
        shot("login");

        WebElement field = waitFor(By.id("token"));
        field.clear();
        field.sendKeys("s3cret-admin");
        browser.findElement(By.id("login-submit")).click();
        waitFor(By.cssSelector("tr.trans-row"));
        assertThat(listedGids()).hasSize(1);
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    }

    @Test
    void topicsListTheirSubscribersAndOneCanBeDeletedAfterConfirming() throws IOException {
        api.get("/api/dtmsvr/subscribe?topic=orders&url=" + rm.url("/OnOrder") + "&remark=billing");
        api.get("/api/dtmsvr/subscribe?topic=orders&url=" + rm.url("/Ship") + "&remark=");
        api.get("/api/dtmsvr/subscribe?topic=refunds&url=" + rm.url("/Refund") + "&remark=");

        open("#/topics");
        WebElement orders = waitFor(By.cssSelector("tr.topic-row[data-topic='orders']"));
        assertThat(orders.getText()).contains("/OnOrder — billing", "/Ship");
        shot("topics");

        orders.findElement(By.cssSelector("button.delete-topic")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).dismiss();
        assertThat(api.get("/api/dtmsvr/queryKV?cat=topics&key=orders").json().path("kv")).hasSize(1);

        browser.findElement(By.cssSelector("tr.topic-row[data-topic='orders'] button.delete-topic")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).accept();
        waitForText(By.cssSelector(".notice"), "orders deleted");
        await().atMost(Duration.ofSeconds(5)).until(() -> browser.findElements(
                By.cssSelector("tr.topic-row[data-topic='orders']")).isEmpty());
        assertThat(api.get("/api/dtmsvr/queryKV?cat=topics&key=orders").json().path("kv")).isEmpty();
        assertThat(browser.findElements(By.cssSelector("tr.topic-row[data-topic='refunds']"))).hasSize(1);
    }

    @Test
    void theDashboardShowsTheServersOwnMetrics() throws IOException {
        submit(with(transferSaga(gid()), "wait_result", true));
        failingSaga(gid());

        open("#/dashboard");
        WebElement d = waitFor(By.id("dashboard"));
        waitForText(By.id("dashboard"), "pending backlog");
        assertThat(d.getText()).contains("branch calls", "3 ok, 1 failed", "submitted 1", "attempts not recorded",
                "branch latency", "4 calls", "store writers busy", "1 lane");
        // the second read, 5 s later, turns the rates from "…" into numbers; the writers' share is a percentage
        waitForText(By.id("dashboard"), "/s");
        assertThat(d.getText()).containsPattern("store writers busy\\s+\\d+ %");
        shot("dashboard");
    }
}
