import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Small checks against a running broker, used by deploy/local/infra.sh.
 *
 * <pre>
 *   KafkaCheck ready BOOTSTRAP TIMEOUT_MS   exit 0 once a Metadata/DescribeCluster
 *                                           request is answered with a live broker
 *                                           and a known controller (retries until
 *                                           the time limit; one JVM for the whole wait)
 *   KafkaCheck txn BOOTSTRAP                end-to-end transaction test: a transactional
 *                                           producer writes, sends consumer offsets
 *                                           into the transaction (like kafkajs
 *                                           sendOffsets), commits, aborts a second
 *                                           batch; a read_committed consumer must see
 *                                           exactly the committed records
 * </pre>
 *
 * Why not a TCP probe: the port opens before the broker has caught up with the
 * metadata log, and clients connecting then get errors.
 */
@SuppressWarnings("removal") // ConsumerGroupMetadata(groupId): what kafkajs sendOffsets does too
public final class KafkaCheck {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        switch (args[0]) {
            case "ready":
                System.exit(ready(args[1], args.length > 2 ? Long.parseLong(args[2]) : 60_000));
                break;
            case "txn":
                System.exit(txn(args[1]));
                break;
            default:
                usage();
        }
    }

    private static void usage() {
        System.err.println("usage: KafkaCheck ready BOOTSTRAP [TIMEOUT_MS] | KafkaCheck txn BOOTSTRAP");
        System.exit(2);
    }

    private static Properties adminProps(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        // Keep retries short: we loop ourselves and want the last error to print.
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return p;
    }

    static int ready(String bootstrap, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String last = "no answer";
        try (Admin admin = Admin.create(adminProps(bootstrap))) {
            while (System.nanoTime() < deadline) {
                try {
                    DescribeClusterResult dc = admin.describeCluster();
                    Collection<Node> nodes = dc.nodes().get(5, TimeUnit.SECONDS);
                    Node controller = dc.controller().get(5, TimeUnit.SECONDS);
                    String clusterId = dc.clusterId().get(5, TimeUnit.SECONDS);
                    // listTopics is a plain Metadata request, as every client sends first.
                    Set<String> topics = admin.listTopics().names().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty() && controller != null && !controller.isEmpty()) {
                        System.out.printf("kafka ready: cluster %s, %d broker(s), %d topic(s)%n",
                                clusterId, nodes.size(), topics.size());
                        return 0;
                    }
                    last = "no live broker in metadata yet";
                } catch (Exception e) {
                    Throwable c = e.getCause() != null ? e.getCause() : e;
                    last = c.getClass().getSimpleName() + ": " + c.getMessage();
                }
                Thread.sleep(300);
            }
        }
        System.err.println("kafka not ready after " + timeoutMs + " ms: " + last);
        return 1;
    }

    static int txn(String bootstrap) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "callhooks-selftest-txn-" + suffix;
        String group = "callhooks-selftest-group-" + suffix;
        try (Admin admin = Admin.create(adminProps(bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try {
                Properties pp = new Properties();
                pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "callhooks-selftest-" + suffix);
                pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
                    producer.initTransactions();

                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(topic, "k", "committed-1"));
                    producer.send(new ProducerRecord<>(topic, "k", "committed-2"));
                    // The read-process-write pattern: consumer offsets go into the
                    // same transaction (AddOffsetsToTxn + TxnOffsetCommit).
                    producer.sendOffsetsToTransaction(
                            Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1)),
                            new ConsumerGroupMetadata(group));
                    producer.commitTransaction();

                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(topic, "k", "aborted-1"));
                    producer.flush();
                    producer.abortTransaction();
                }

                Properties cp = new Properties();
                cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                List<String> seen = new ArrayList<>();
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
                    consumer.assign(List.of(new TopicPartition(topic, 0)));
                    consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                    while (seen.size() < 2 && System.nanoTime() < end) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                            seen.add(r.value());
                        }
                    }
                    // One more poll so an aborted record leaking through would show.
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(1000))) {
                        seen.add(r.value());
                    }
                }

                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                OffsetAndMetadata off = committed.get(new TopicPartition(topic, 0));

                if (!seen.equals(List.of("committed-1", "committed-2"))) {
                    System.err.println("kafka txn test FAILED: read_committed consumer saw " + seen);
                    return 1;
                }
                if (off == null || off.offset() != 1) {
                    System.err.println("kafka txn test FAILED: offsets sent in the transaction not committed: " + committed);
                    return 1;
                }
                System.out.println("kafka txn test OK: committed records visible, aborted hidden, "
                        + "transactional offset commit stored (group " + group + " offset " + off.offset() + ")");
                return 0;
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
