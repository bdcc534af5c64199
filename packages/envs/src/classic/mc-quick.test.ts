import { describeGymFixture } from './gym-fixture.testutil';
import './specs';
describeGymFixture('MountainCar-v0', 'mountaincar-v0.json', { continuous: false, kwargNames: { goal_velocity: 'goalVelocity' } });
describeGymFixture('MountainCarContinuous-v0', 'mountaincarcontinuous-v0.json', { continuous: true, kwargNames: { goal_velocity: 'goalVelocity' } });
describeGymFixture('Pendulum-v1', 'pendulum-v1.json', { continuous: true });
describeGymFixture('Acrobot-v1', 'acrobot-v1.json', { continuous: false });
