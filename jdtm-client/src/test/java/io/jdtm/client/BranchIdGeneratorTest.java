package io.jdtm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BranchIdGeneratorTest {

    @Test
    void countsInTwoDigitsUnderTheParent() {
        BranchIdGenerator top = new BranchIdGenerator();
        assertThat(top.current()).isEmpty();
        assertThat(top.next()).isEqualTo("01");
        assertThat(top.next()).isEqualTo("02");
        assertThat(top.current()).isEqualTo("02");
        assertThat(new BranchIdGenerator("02").next()).isEqualTo("0201");
    }

    @Test
    void refusesTheHundredthBranchAndDeepNesting() {
        BranchIdGenerator g = new BranchIdGenerator();
        for (int i = 1; i <= 99; i++) {
            assertThat(g.next()).hasSize(2);
        }
        assertThatThrownBy(g::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("99");
        assertThatThrownBy(() -> new BranchIdGenerator("01020304050607080910").next())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("too deep");
        assertThat(new BranchIdGenerator("010203040506070809").next()).isEqualTo("01020304050607080901");
    }
}
