export { KafkaConsumer, type KafkaConsumerDeclaration, type KafkaConsumerSettings, type KafkaConsumerStartup } from './kafka-consumer.decorator';
export { KafkaConsumerTransport } from './kafka-consumer.transport';
export { startKafkaConsumers } from './start-kafka-consumers';
