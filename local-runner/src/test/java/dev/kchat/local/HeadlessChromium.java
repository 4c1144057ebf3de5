package dev.kchat.local;

import java.io.File;
import java.time.Duration;
import java.util.Optional;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium and its chromedriver (apt packages {@code chromium} and
 * {@code chromium-driver}; {@code .ci/run} installs them), driven through Selenium. The binaries are
 * named explicitly, so Selenium Manager never downloads a browser; without them a browser test
 * fails, saying what to install.
 */
final class HeadlessChromium {

    /** Where Debian puts them; {@code KCHAT_CHROMIUM} and {@code KCHAT_CHROMEDRIVER} override. */
    static final String CHROMIUM = Optional.ofNullable(System.getenv("KCHAT_CHROMIUM")).orElse("/usr/bin/chromium");
    static final String CHROMEDRIVER = Optional.ofNullable(System.getenv("KCHAT_CHROMEDRIVER")).orElse("/usr/bin/chromedriver");

    private HeadlessChromium() {
    }

    /** A new browser (its own profile: its own localStorage and sessionStorage). */
    static ChromeDriver start() {
        for (String binary : new String[] {CHROMIUM, CHROMEDRIVER}) {
            if (!new File(binary).canExecute()) {
                throw new IllegalStateException(binary + " is missing: install Chromium and its driver "
                        + "(apt-get install -y chromium chromium-driver) or set KCHAT_CHROMIUM and KCHAT_CHROMEDRIVER");
            }
        }
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1200,900", "--disable-background-timer-throttling");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        return new ChromeDriver(service, options);
    }
}
