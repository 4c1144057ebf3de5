package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ProducerDefaultsTest {

    @Test
    void shouldSetTheProducerSettingWhenTheOperatorDidNot() {
        Properties props = new Properties();

        StreamsService.producerDefault(props, ProducerConfig.LINGER_MS_CONFIG, 5);

        assertThat(props).containsEntry("producer.linger.ms", 5);
    }

    @Test
    void shouldKeepTheOperatorsSettingWhetherPrefixedOrNot() {
        Properties plain = new Properties();
        plain.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        Properties prefixed = new Properties();
        prefixed.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "30");

        StreamsService.producerDefault(plain, ProducerConfig.LINGER_MS_CONFIG, 5);
        StreamsService.producerDefault(prefixed, ProducerConfig.LINGER_MS_CONFIG, 5);

        // A prefixed value would override the operator's unprefixed one, so none is added
        assertThat(plain).containsOnlyKeys(ProducerConfig.LINGER_MS_CONFIG).containsEntry("linger.ms", "20");
        assertThat(prefixed).containsOnlyKeys("producer.linger.ms").containsEntry("producer.linger.ms", "30");
    }
}
