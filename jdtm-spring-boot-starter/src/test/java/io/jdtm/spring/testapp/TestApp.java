package io.jdtm.spring.testapp;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.ComponentScan;

/** The application of the starter's tests: Boot's and jdtm's auto-configuration, a ledger and a branch controller. */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan
public class TestApp {
}
