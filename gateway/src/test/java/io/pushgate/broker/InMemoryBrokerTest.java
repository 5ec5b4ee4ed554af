package io.pushgate.broker;

class InMemoryBrokerTest extends BrokerContract {
    @Override
    protected Broker create() {
        return new InMemoryBroker();
    }
}
