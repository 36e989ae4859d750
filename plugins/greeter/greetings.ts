import type { ExtraService } from 'hale/sdk';

/** The greeter's own service: counts the greetings it has served, for its health report. */
export interface Greetings {
  service: ExtraService;
  count: () => number;
}

/**
 * hale.example.greeter.v1.Greeter, answering `Hello, <name>!`.
 *
 * @example
 * const greetings = createGreetings();
 * await servePlugin({ name: 'greeter', version: '1.0.0', services: [greetings.service] });
 */
export const createGreetings = (): Greetings => {
  let served = 0;
  return {
    count: () => served,
    service: {
      protoFile: 'hale/example/greeter/v1/greeter.proto',
      service: 'hale.example.greeter.v1.Greeter',
      handlers: {
        SayHello: (request) => {
          const name = typeof request.name === 'string' && request.name.trim() !== '' ? request.name.trim() : 'world';
          served += 1;
          return { message: `Hello, ${name}!`, count: served };
        },
      },
    },
  };
};
