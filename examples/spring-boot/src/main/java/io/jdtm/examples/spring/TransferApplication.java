package io.jdtm.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * DTM's transfer quick start as a Spring Boot application: user 1 pays user 2. It plays both roles — the AP
 * ({@link Transfers}, starting sagas and TCC transactions through the auto-configured {@code DtmClient}) and the bank
 * ({@link BankController} over {@link Bank}, whose branches are barrier-protected inside their own transactions).
 * Run a TM ({@code ./jdtm}), then this class; {@code POST /api/transfer/saga?amount=30} starts a transfer.
 */
@SpringBootApplication
public class TransferApplication {
    public static void main(String[] args) {
        SpringApplication.run(TransferApplication.class, args);
    }
}
